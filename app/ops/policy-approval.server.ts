import { createHash } from "node:crypto";
import { and, desc, eq } from "drizzle-orm";
import type { Database, Tx } from "~/db/client";
import { newId } from "~/db/ids";
import { operators, policySubmissions, pricingRules, ruleSets } from "~/db/schema/index";
import { audit } from "~/app/audit/audit.server";
import { validatePricingTable } from "~/app/decisioning/pricing";
import { publishPricingInTx } from "~/app/decisioning/pricing-rules.server";
import { publishRuleSetInTx, rulesOfSet } from "~/app/decisioning/rule-sets.server";
import { validateRules, type Rule } from "~/app/decisioning/rules";
import { canonicalJson, pricingDiff, rulesDiff, type PolicyDiff } from "./policy-diff";
import type { OperatorActor } from "./rules.server";

/**
 * Four-eyes policy changes (ADR 069, the pattern of ADR 036's decline proposals): the author of
 * a rule-set or pricing draft submits it; another operator with `approve:policy` reads the diff
 * against the live version (and a back-test), then approves, which publishes it in the same
 * transaction. The author can never approve their own draft, a draft identical to the live
 * version can be neither submitted nor published, and a draft edited after its submission must
 * be submitted again — what is approved is exactly what was reviewed. Every step is audited.
 */
export type PolicyKind = "rules" | "pricing";

export const policyKinds: readonly PolicyKind[] = ["rules", "pricing"];

/** A refusal of the four-eyes flow; 403 when the operator is the wrong one. */
export class PolicyApprovalError extends Error {
  override name = "PolicyApprovalError";
  constructor(
    message: string,
    readonly status: 403 | 404 | 409 | 422 = 409,
  ) {
    super(message);
  }
}

export type PolicyVersion = {
  id: string;
  version: number;
  createdBy: string | null;
  /** The rules (in order) or the pricing table. */
  content: unknown;
  /** SHA-256 of the content's canonical JSON. */
  hash: string;
};

export type PolicyPair = { draft: PolicyVersion | null; live: PolicyVersion | null };

export const contentHash = (content: unknown) =>
  createHash("sha256").update(canonicalJson(content)).digest("hex");

type Reader = Tx | Database["db"];

/** The kind's draft and live version, with their content. */
export async function loadPolicyPair(db: Reader, kind: PolicyKind): Promise<PolicyPair> {
  if (kind === "rules") {
    const [draft, live] = await Promise.all([
      db.query.ruleSets.findFirst({ where: eq(ruleSets.status, "draft") }),
      db.query.ruleSets.findFirst({
        where: eq(ruleSets.status, "published"),
        orderBy: desc(ruleSets.version),
      }),
    ]);
    const version = async (row: typeof draft) => {
      if (!row) return null;
      const content = await rulesOfSet(db, row.id);
      return {
        id: row.id,
        version: row.version,
        createdBy: row.createdBy,
        content,
        hash: contentHash(content),
      };
    };
    return { draft: await version(draft), live: await version(live) };
  }
  const [draft, live] = await Promise.all([
    db.query.pricingRules.findFirst({ where: eq(pricingRules.status, "draft") }),
    db.query.pricingRules.findFirst({
      where: eq(pricingRules.status, "published"),
      orderBy: desc(pricingRules.version),
    }),
  ]);
  const version = (row: typeof draft) =>
    row
      ? {
          id: row.id,
          version: row.version,
          createdBy: row.createdBy,
          content: row.table,
          hash: contentHash(row.table),
        }
      : null;
  return { draft: version(draft), live: version(live) };
}

/** What the draft changes against the live version (everything is "added" without one). */
export function diffOf(kind: PolicyKind, pair: PolicyPair): PolicyDiff | null {
  if (!pair.draft) return null;
  if (kind === "rules") {
    return rulesDiff((pair.live?.content as Rule[]) ?? [], pair.draft.content as Rule[]);
  }
  return pricingDiff(pair.live?.content ?? {}, pair.draft.content);
}

function problemsOf(kind: PolicyKind, content: unknown): string[] {
  return kind === "rules" ? validateRules(content as Rule[]) : validatePricingTable(content);
}

const subject = (kind: PolicyKind) => (kind === "rules" ? "rule set" : "pricing");

export type PendingSubmission = {
  id: string;
  version: number;
  submittedById: string;
  submittedBy: string;
  submittedAt: string;
  /** The draft changed after it was submitted: it must be submitted again. */
  stale: boolean;
};

/** The draft's pending submission, if any, with its submitter's name. */
export async function pendingSubmission(
  db: Reader,
  kind: PolicyKind,
  draft: PolicyVersion | null,
): Promise<PendingSubmission | null> {
  if (!draft) return null;
  const row = await db
    .select({ submission: policySubmissions, name: operators.name })
    .from(policySubmissions)
    .leftJoin(operators, eq(operators.id, policySubmissions.submittedBy))
    .where(
      and(
        eq(policySubmissions.kind, kind),
        eq(policySubmissions.draftId, draft.id),
        eq(policySubmissions.status, "pending"),
      ),
    )
    .orderBy(desc(policySubmissions.submittedAt))
    .get();
  if (!row) return null;
  return {
    id: row.submission.id,
    version: row.submission.version,
    submittedById: row.submission.submittedBy,
    submittedBy: row.name ?? row.submission.submittedBy,
    submittedAt: row.submission.submittedAt.toISOString(),
    stale: row.submission.contentHash !== draft.hash,
  };
}

export type SubmitOutcome = { ok: true; version: number } | { ok: false; problems: string[] };

/**
 * The author asks for approval: the draft must be valid and differ from the live version. A
 * previous pending submission of the same draft is replaced (withdrawn).
 */
export async function submitPolicyDraft(
  database: Database,
  input: { kind: PolicyKind; actor: OperatorActor; now?: Date },
): Promise<SubmitOutcome> {
  const operatorId = input.actor.actorId;
  if (!operatorId) throw new PolicyApprovalError("Only an operator can submit a draft", 403);
  return database.write(async (tx) => {
    const pair = await loadPolicyPair(tx, input.kind);
    const draft = pair.draft;
    if (!draft) throw new PolicyApprovalError(`There is no ${subject(input.kind)} draft`, 404);
    const problems = problemsOf(input.kind, draft.content);
    if (problems.length > 0) return { ok: false as const, problems };
    if (diffOf(input.kind, pair)?.empty) {
      throw new PolicyApprovalError(
        `Draft v${draft.version} is identical to the live version v${pair.live?.version}: there is nothing to approve`,
        422,
      );
    }
    const now = input.now ?? new Date();
    await tx
      .update(policySubmissions)
      .set({ status: "withdrawn", decidedBy: operatorId, decidedAt: now, updatedAt: now })
      .where(
        and(
          eq(policySubmissions.kind, input.kind),
          eq(policySubmissions.draftId, draft.id),
          eq(policySubmissions.status, "pending"),
        ),
      );
    const id = newId("pol");
    await tx.insert(policySubmissions).values({
      id,
      kind: input.kind,
      draftId: draft.id,
      version: draft.version,
      contentHash: draft.hash,
      submittedBy: operatorId,
      submittedAt: now,
    });
    await audit(tx, {
      ...input.actor,
      action: `${input.kind === "rules" ? "rule_set" : "pricing"}.submitted_for_approval`,
      entityType: input.kind === "rules" ? "rule_set" : "pricing_rules",
      entityId: draft.id,
      details: {
        version: draft.version,
        submission_id: id,
        live_version: pair.live?.version ?? null,
      },
    });
    return { ok: true as const, version: draft.version };
  });
}

/**
 * The second operator approves the pending submission, which publishes the draft. Refused
 * (403) for the submitter and the draft's creator; refused (409) when the draft changed since
 * it was submitted or nothing is pending; refused (422) when it is now identical to the live
 * version (someone published the same change meanwhile).
 */
/**
 * What an approval checks before it publishes (ADR 069), in `reader` (the write transaction when
 * publishing): a draft, its pending submission, an approver who did not write it, a draft unchanged
 * since submission and different from the live version. Throws PolicyApprovalError with its status.
 */
async function approvable(
  reader: Reader,
  kind: PolicyKind,
  operatorId: string | null | undefined,
  submissionId?: string,
) {
  if (!operatorId) throw new PolicyApprovalError("Only an operator can approve a draft", 403);
  const pair = await loadPolicyPair(reader, kind);
  const draft = pair.draft;
  if (!draft) throw new PolicyApprovalError(`There is no ${subject(kind)} draft`, 404);
  const pending = await pendingSubmission(reader, kind, draft);
  if (!pending) {
    throw new PolicyApprovalError(
      `Draft v${draft.version} has not been submitted for approval`,
      409,
    );
  }
  if (pending.submittedById === operatorId || draft.createdBy === operatorId) {
    throw new PolicyApprovalError(
      `You wrote draft v${draft.version}: another operator with the permission to approve must approve it (four eyes)`,
      403,
    );
  }
  if (pending.stale) {
    throw new PolicyApprovalError(
      `Draft v${draft.version} changed after it was submitted: its author must submit it again`,
      409,
    );
  }
  // The confirmation names the submission it was shown for: a resubmission since is not approved.
  if (submissionId !== undefined && submissionId !== pending.id) {
    throw new PolicyApprovalError(
      `Draft v${draft.version} was submitted again since you confirmed: review it again`,
      409,
    );
  }
  const diff = diffOf(kind, pair);
  if (diff?.empty) {
    throw new PolicyApprovalError(
      `Draft v${draft.version} is identical to the live version v${pair.live?.version}: there is nothing to publish`,
      422,
    );
  }
  return { pair, draft, pending, diff, operatorId };
}

/**
 * The confirmation step of an approval (issue 18): every check approving makes, and what
 * publishing will do — nothing is written.
 */
export async function previewApproval(
  database: Database,
  input: { kind: PolicyKind; actor: OperatorActor },
): Promise<ApprovalPreview> {
  const { pair, draft, pending, diff } = await approvable(
    database.db,
    input.kind,
    input.actor.actorId,
  );
  return {
    submissionId: pending.id,
    version: draft.version,
    liveVersion: pair.live?.version ?? null,
    submittedBy: pending.submittedBy,
    changes: diffSize(diff),
  };
}

export type ApprovalPreview = {
  submissionId: string;
  version: number;
  liveVersion: number | null;
  submittedBy: string;
  changes: number;
};

export async function approvePolicyDraft(
  database: Database,
  input: { kind: PolicyKind; actor: OperatorActor; now?: Date; submissionId?: string },
): Promise<{ version: number; submittedBy: string }> {
  return database.write(async (tx) => {
    const { pair, draft, pending, diff, operatorId } = await approvable(
      tx,
      input.kind,
      input.actor.actorId,
      input.submissionId,
    );
    const now = input.now ?? new Date();
    const options = { publishedBy: operatorId, actor: input.actor, now };
    if (input.kind === "rules") await publishRuleSetInTx(tx, draft.id, options);
    else await publishPricingInTx(tx, draft.id, options);
    await tx
      .update(policySubmissions)
      .set({ status: "approved", decidedBy: operatorId, decidedAt: now, updatedAt: now })
      .where(eq(policySubmissions.id, pending.id));
    await audit(tx, {
      ...input.actor,
      action: `${input.kind === "rules" ? "rule_set" : "pricing"}.approved`,
      entityType: input.kind === "rules" ? "rule_set" : "pricing_rules",
      entityId: draft.id,
      details: {
        version: draft.version,
        submission_id: pending.id,
        submitted_by: pending.submittedById,
        replaced_version: pair.live?.version ?? null,
        changes: diffSize(diff),
      },
    });
    return { version: draft.version, submittedBy: pending.submittedBy };
  });
}

/** How many things a diff changes (for the audit record). */
function diffSize(diff: PolicyDiff | null): number {
  if (!diff) return 0;
  if (diff.kind === "pricing") return diff.pricing.length;
  const { added, removed, changed, reordered } = diff.rules;
  return added.length + removed.length + changed.length + (reordered ? 1 : 0);
}

/**
 * The editors' "publish" step (rules and pricing pages): the draft, saved and valid, is submitted
 * for a second operator's approval, and the author lands on its review page.
 */
export async function submitForApproval(
  database: Database,
  kind: PolicyKind,
  actor: OperatorActor,
): Promise<{ redirect: string } | { error: string; status: 404 | 409 | 422 }> {
  try {
    const outcome = await submitPolicyDraft(database, { kind, actor });
    if (!outcome.ok) return { error: outcome.problems.join("; "), status: 422 };
    return { redirect: `/ops/policy/${kind}?done=submitted&version=${outcome.version}` };
  } catch (error) {
    if (error instanceof PolicyApprovalError) {
      return { error: error.message, status: error.status === 403 ? 409 : error.status };
    }
    throw error;
  }
}

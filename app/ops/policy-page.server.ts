/**
 * The policy review page's server side (/ops/policy/rules, /ops/policy/pricing; ADRs 069–070):
 * the draft against the live version (diff), its submission, its latest back-test, and the two
 * actions the page posts — run a back-test, approve (which publishes). A refusal answers with
 * its status and message: 403 for the author approving their own draft.
 */
import type { Database } from "~/db/client";
import { operators } from "~/db/schema/index";
import { inArray } from "drizzle-orm";
import { can, type Permission } from "./permissions";
import { parseWithZod } from "@conform-to/zod/v4";
import { policyIntentSchema } from "./form-schemas.server";
import {
  approvePolicyDraft,
  previewApproval,
  type ApprovalPreview,
  diffOf,
  loadPolicyPair,
  pendingSubmission,
  PolicyApprovalError,
  type PolicyKind,
} from "./policy-approval.server";
import { latestBacktest, maxDays, requestBacktest } from "./policy-backtest.server";
import type { OperatorActor } from "./rules.server";

type Operator = { id: string; name: string; email: string; role: Parameters<typeof can>[0] };

export const kindPermissions: Record<
  PolicyKind,
  { read: Permission; edit: Permission; publish: Permission }
> = {
  rules: { read: "read:rules", edit: "edit:rules", publish: "publish:rules" },
  pricing: { read: "read:pricing", edit: "edit:pricing", publish: "publish:pricing" },
};

export function policyKindOf(value: string | undefined): PolicyKind | null {
  return value === "rules" || value === "pricing" ? value : null;
}

const notices: Record<string, (version: string) => string> = {
  submitted: (v) =>
    `Draft v${v} is submitted for approval: another operator with the permission to approve reviews and publishes it.`,
  backtest: () => "Back-test started.",
};

export async function loadPolicyPage(
  database: Database,
  operator: Operator,
  kind: PolicyKind,
  url: URL,
) {
  const pair = await loadPolicyPair(database.db, kind);
  const [submission, backtest] = await Promise.all([
    pendingSubmission(database.db, kind, pair.draft),
    latestBacktest(database, kind, pair.draft),
  ]);
  const creatorId = pair.draft?.createdBy ?? null;
  const creator = creatorId
    ? ((
        await database.db
          .select({ name: operators.name })
          .from(operators)
          .where(inArray(operators.id, [creatorId]))
      )[0]?.name ?? creatorId)
    : null;
  const done = url.searchParams.get("done") ?? "";
  const version = url.searchParams.get("version") ?? "";
  const permissions = kindPermissions[kind];
  return {
    operator: { name: operator.name, email: operator.email, role: operator.role },
    kind,
    notice: notices[done] && /^\d*$/.test(version) ? notices[done](version) : null,
    draft: pair.draft ? { version: pair.draft.version, createdBy: creator } : null,
    live: pair.live ? { version: pair.live.version } : null,
    diff: diffOf(kind, pair),
    submission: submission
      ? {
          submittedBy: submission.submittedBy,
          submittedAt: submission.submittedAt,
          stale: submission.stale,
        }
      : null,
    /** The signed-in operator wrote or submitted the draft: their approval will be refused. */
    isAuthor:
      Boolean(pair.draft) &&
      (submission?.submittedById === operator.id || creatorId === operator.id),
    backtest,
    /** The back-test still runs: the page refreshes itself (a meta refresh, no JavaScript). */
    refreshing: backtest?.status === "queued" || backtest?.status === "running",
    canBacktest: can(operator.role, permissions.edit) || can(operator.role, "approve:policy"),
    canApprove: can(operator.role, "approve:policy") && can(operator.role, permissions.publish),
    maxDays,
  };
}

export type PolicyPage = Awaited<ReturnType<typeof loadPolicyPage>>;

export type PolicyActionData = {
  nonce: string;
  error?: string;
  days?: string;
  /** An approval asked for: what publishing will do (the confirmation step). */
  confirmApprove?: ApprovalPreview;
};

export type PolicyOutcome =
  { redirect: string } | { status: 200 | 403 | 404 | 409 | 422; body: PolicyActionData };

/**
 * One posted form of the review page. `require` throws a 403 Response when the operator lacks
 * the permission (guard.server.ts's requireAction).
 */
export async function policyIntent(
  database: Database,
  kind: PolicyKind,
  formData: FormData,
  actor: OperatorActor,
  role: Operator["role"],
  require: (permission: Permission) => Promise<unknown>,
): Promise<PolicyOutcome> {
  const refuse = (status: 403 | 404 | 409 | 422, error: string, days?: string) => ({
    status,
    body: { nonce: crypto.randomUUID(), error, days },
  });
  const permissions = kindPermissions[kind];
  const submission = parseWithZod(formData, { schema: policyIntentSchema(maxDays) });
  if (submission.status !== "success") {
    const [message] = Object.values(submission.error ?? {}).flat();
    const days = submission.payload.days;
    return refuse(422, message ?? "Unknown request", typeof days === "string" ? days : undefined);
  }
  const form = submission.value;
  try {
    if (form.intent === "backtest") {
      if (!can(role, permissions.edit)) await require("approve:policy");
      await requestBacktest(database, { kind, days: Number(form.days), actor });
      return { redirect: `/ops/policy/${kind}?done=backtest` };
    }
    await require("approve:policy");
    await require(permissions.publish);
    if (form.confirm !== "yes") {
      // Publishing changes every decision from the next one on (issue 18): the first post
      // answers with what approving will do, after every check the approval itself makes.
      const preview = await previewApproval(database, { kind, actor });
      return { status: 200, body: { nonce: crypto.randomUUID(), confirmApprove: preview } };
    }
    const approved = await approvePolicyDraft(database, {
      kind,
      actor,
      submissionId: form.submissionId,
    });
    return { redirect: `/ops/${kind}?done=published&version=${approved.version}` };
  } catch (error) {
    if (error instanceof PolicyApprovalError) return refuse(error.status, error.message);
    throw error;
  }
}

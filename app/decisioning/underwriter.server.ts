/**
 * An underwriter's decision, written by decisioning (decisions are decisioning's rows; FlowOps
 * calls these functions inside its own transaction, ADR 036).
 *
 * A decline is checked against the evidence of the decision under review: every reason the
 * snapshot does not support (reason-evidence.ts) needs a written justification and the approval
 * of a second operator — not the author. The adverse action notice gets exactly the reasons
 * given here, i.e. the approved ones.
 */
import { newId } from "~/db/ids";
import type { Tx } from "~/db/client";
import { decisions } from "~/db/schema/index";
import { insertReviewDeclineNotice } from "./adverse-action.server";
import type { DecisionSnapshot } from "./engine";
import { insertApproval } from "./offers.server";
import type { Offer } from "./pricing";
import {
  classifyDeclineReasons,
  minJustificationLength,
  supportedDeclineReasons,
} from "./reason-evidence";

export class UnsupportedReasonError extends Error {
  override name = "UnsupportedReasonError";
}

/** The decision the underwriter resolves (its row): scores and versions carry over. */
type Reviewed = {
  id: string;
  score: number | null;
  ruleSetVersion: number;
  pricingVersion: number;
  engineVersion: string;
};

/**
 * What every decision an underwriter makes on a review starts from: the application, the decision
 * under review, the engine snapshot that is its evidence, and who decides.
 */
export type ReviewedDecision = {
  applicationId: string;
  reviewed: Reviewed;
  /** The engine snapshot of the decision under review: the evidence. */
  evidence: Pick<DecisionSnapshot, "inputs" | "result">;
  decidedBy: string;
};

/** An underwriter's approval: a new approved decision and the offers it extends. */
export async function recordUnderwriterApproval(
  tx: Tx,
  args: {
    applicationId: string;
    reviewed: Reviewed;
    decidedBy: string;
    snapshot: { tier: string | null; engineVersion: string; pricing: { version: number } };
    offers: readonly Offer[];
    now: Date;
  },
) {
  return insertApproval(
    tx,
    {
      score: args.reviewed.score,
      tier: args.snapshot.tier,
      ruleSetVersion: args.reviewed.ruleSetVersion,
      pricingVersion: args.snapshot.pricing.version,
      engineVersion: args.snapshot.engineVersion,
      snapshot: args.snapshot as unknown as Record<string, unknown>,
      decidedBy: args.decidedBy,
    },
    args,
  );
}

export type SecondApproval = { approvedBy: string; justification: string };

/**
 * The reasons a decline may go out with: all supported by `evidence`, or the unsupported ones
 * justified and approved by someone other than the author. Throws UnsupportedReasonError.
 */
export function checkDeclineReasons(args: {
  reasonCodes: readonly string[];
  evidence: Pick<DecisionSnapshot, "inputs" | "result">;
  decidedBy: string;
  secondApproval: SecondApproval | null;
}) {
  const { unsupported } = classifyDeclineReasons(
    args.reasonCodes,
    supportedDeclineReasons(args.evidence),
  );
  if (unsupported.length === 0) return { unsupported };
  const approval = args.secondApproval;
  if (!approval || approval.justification.trim().length < minJustificationLength) {
    throw new UnsupportedReasonError(
      `The decision's evidence does not support: ${unsupported.join(", ")}. Give a written justification for a second operator to approve.`,
    );
  }
  if (approval.approvedBy === args.decidedBy) {
    throw new UnsupportedReasonError("A second operator must approve; the author cannot.");
  }
  return { unsupported };
}

/** An underwriter's decline: a new declined decision and its adverse action notice (+ delivery). */
export async function recordUnderwriterDecline(
  tx: Tx,
  args: ReviewedDecision & {
    reasonCodes: readonly string[];
    secondApproval: SecondApproval | null;
    snapshot: Record<string, unknown>;
    now: Date;
  },
) {
  const { unsupported } = checkDeclineReasons(args);
  const decisionId = newId("dec");
  await tx.insert(decisions).values({
    id: decisionId,
    applicationId: args.applicationId,
    status: "declined",
    score: args.reviewed.score,
    tier: null,
    ruleSetVersion: args.reviewed.ruleSetVersion,
    pricingVersion: args.reviewed.pricingVersion,
    engineVersion: args.reviewed.engineVersion,
    snapshot: {
      ...args.snapshot,
      declineReasons: [...args.reasonCodes],
      unsupportedReasons: unsupported,
      secondApproval: args.secondApproval,
    },
    decidedBy: args.decidedBy,
    decidedAt: args.now,
  });
  // The notice belongs to the decline decision; its credit block comes from the same report.
  // Its delivery job is enqueued here too: it commits, or rolls back, with the decline (ADR 016).
  const noticeId = await insertReviewDeclineNotice(tx, {
    decisionId,
    reasonCodes: args.reasonCodes,
    now: args.now,
  });
  return { decisionId, noticeId, unsupported };
}

/**
 * Funding on completion and progress payments, the pure part (docs/product/merchants-and-money.md,
 * "The money after the signature"; ADR 050). What is paid when, and in how many parts.
 */
export const fundingModes = ["on_signature", "on_completion"] as const;
export type FundingMode = (typeof fundingModes)[number];

/** Progress payments: at most half of the amount may be paid before the job is done. */
export const maxUpfrontReleaseBps = 5_000;

/** Without an answer from the borrower, the payment releases itself this long after completion. */
export const autoReleaseAfterMs = 7 * 24 * 60 * 60 * 1000;

/** When a completion marked at `completedAt` releases itself. */
export const autoReleaseAt = (completedAt: Date) =>
  new Date(completedAt.getTime() + autoReleaseAfterMs);

/**
 * The part of a loan's amount paid at signature: a share of it under on_completion with a
 * progress plan, nothing otherwise (on_signature pays everything at once anyway). Rounded down,
 * so the part paid on completion is never the smaller one by a cent's rounding.
 */
export function upfrontCentsFor(args: {
  mode: FundingMode;
  upfrontReleaseBps: number;
  amountCents: number;
}): number {
  if (args.mode !== "on_completion") return 0;
  const bps = Math.min(Math.max(Math.trunc(args.upfrontReleaseBps), 0), maxUpfrontReleaseBps);
  return Math.floor((args.amountCents * bps) / 10_000);
}

export type DisbursementPart = {
  /** The part of the loan's amount (what the borrower financed) this payment covers. */
  amountCents: number;
  /** The part of the merchant fee it carries. */
  merchantFeeCents: number;
  /** What the lender pays the merchant: amount − fee. */
  disbursementCents: number;
};

/**
 * A loan's payment to the merchant in one part, or in two (progress payments): the upfront part
 * carries the merchant fee in proportion (rounded down), the part on completion the rest, so the
 * two add up exactly to the loan's amount, fee and disbursement.
 */
export function disbursementParts(loan: {
  amountCents: number;
  merchantFeeCents: number;
  upfrontCents: number;
}): { upfront: DisbursementPart | null; onCompletion: DisbursementPart } {
  const whole = {
    amountCents: loan.amountCents,
    merchantFeeCents: loan.merchantFeeCents,
    disbursementCents: loan.amountCents - loan.merchantFeeCents,
  };
  if (loan.upfrontCents <= 0) return { upfront: null, onCompletion: whole };
  if (loan.upfrontCents >= loan.amountCents) {
    throw new RangeError("the upfront part must be smaller than the loan's amount");
  }
  const fee = Math.floor((loan.merchantFeeCents * loan.upfrontCents) / loan.amountCents);
  const upfront = {
    amountCents: loan.upfrontCents,
    merchantFeeCents: fee,
    disbursementCents: loan.upfrontCents - fee,
  };
  return {
    upfront,
    onCompletion: {
      amountCents: whole.amountCents - upfront.amountCents,
      merchantFeeCents: whole.merchantFeeCents - upfront.merchantFeeCents,
      disbursementCents: whole.disbursementCents - upfront.disbursementCents,
    },
  };
}

/** Where a loan waiting for the job stands, as the borrower's and the merchant's pages say it. */
export type ReleaseStage =
  /** The merchant has not marked the job complete yet. */
  | "waiting_for_job"
  /** Marked complete: the borrower may release, or report a problem, until the timer releases it. */
  | "awaiting_release"
  /** The borrower reported a problem: FlowOps holds the release. */
  | "paused"
  /** Released (by the borrower, the timer or FlowOps): the disbursement is on its way or done. */
  | "released";

export function releaseStage(loan: {
  status: string;
  completionMarkedAt: Date | null;
  releasedAt: Date | null;
  releasePausedAt: Date | null;
}): ReleaseStage {
  if (loan.releasedAt || loan.status !== "awaiting_completion") return "released";
  if (loan.releasePausedAt) return "paused";
  return loan.completionMarkedAt ? "awaiting_release" : "waiting_for_job";
}

/** The borrower's description of a problem: required, short, one paragraph. */
export function parseProblem(
  input: unknown,
): { ok: true; value: string } | { ok: false; error: string } {
  const text = typeof input === "string" ? input.replace(/\s+/g, " ").trim() : "";
  if (text.length < 5)
    return { ok: false, error: "Tell us in a few words what is wrong (at least 5 characters)." };
  if (text.length > 1_000) return { ok: false, error: "Keep it under 1,000 characters." };
  return { ok: true, value: text };
}

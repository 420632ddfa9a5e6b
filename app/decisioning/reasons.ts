/**
 * Every reason code a rule or the engine can give, with the text each audience sees.
 *
 * Decline codes carry the consumer-facing wording of an adverse action notice: specific
 * principal reasons in the words of Regulation B's sample forms — never "internal
 * standards", and never "did not reach our score" (§1002.9(b)(2) calls both insufficient).
 * So a decline for a low bureau score gives the score's own key factors as its reasons.
 */
export type ReasonSpec = {
  kind: "decline" | "review";
  /** What an underwriter or analyst reads. */
  ops: string;
  /** What the borrower reads (decline reasons only). */
  consumer?: string;
  /** The consumer reasons are the bureau score's key factors (credit-score rules). */
  fromScoreFactors?: boolean;
  /** Manual-review priority: 1 high, 2 normal. */
  priority?: 1 | 2;
};

export const reasonCatalogue = {
  bankruptcy: { kind: "decline", ops: "Bankruptcy on the credit report", consumer: "Bankruptcy" },
  credit_score_below_floor: {
    kind: "decline",
    ops: "Bureau credit score below the floor",
    consumer: "Unfavorable credit history as reported by the consumer reporting agency",
    fromScoreFactors: true,
  },
  income_below_floor: {
    kind: "decline",
    ops: "Stated income below the floor",
    consumer: "Income insufficient for amount of credit requested",
  },
  excessive_obligations: {
    kind: "decline",
    ops: "Debt-to-income too high to lend",
    consumer: "Excessive obligations in relation to income",
  },
  delinquent_obligations: {
    kind: "decline",
    ops: "Delinquencies on the credit report",
    consumer: "Delinquent past or present credit obligations with others",
  },
  collection_or_judgment: {
    kind: "decline",
    ops: "Collection, judgment or lien on file",
    consumer: "Collection action or judgment",
  },
  no_credit_file: { kind: "decline", ops: "No credit file", consumer: "No credit file" },
  limited_credit_experience: {
    kind: "decline",
    ops: "Too little credit history",
    consumer: "Limited credit experience",
  },
  too_many_inquiries: {
    kind: "decline",
    ops: "Too many recent inquiries",
    consumer: "Number of recent inquiries on credit bureau report",
  },
  identity_not_verified: {
    kind: "decline",
    ops: "Identity could not be verified",
    consumer: "Unable to verify identity",
  },
  income_not_verified: {
    kind: "decline",
    ops: "Income could not be verified",
    consumer: "Unable to verify income",
  },

  low_credit_score: { kind: "review", ops: "Bureau credit score below 650" },
  thin_file: { kind: "review", ops: "Thin credit file (fewer than 3 tradelines)" },
  no_credit_score: { kind: "review", ops: "The bureau returned no credit score" },
  high_debt_to_income: { kind: "review", ops: "Debt-to-income above the ceiling" },
  kyc_fraud_signals: {
    kind: "review",
    ops: "The identity check raised fraud signals",
    priority: 1,
  },
  kyc_needs_review: { kind: "review", ops: "The identity check asks for a review" },
  kyc_not_verified: {
    kind: "review",
    ops: "Identity not verified (declined, failed, expired or not done)",
  },
  no_bank_data: { kind: "review", ops: "No linked bank account: bank health counted as 0" },
  missing_income: { kind: "review", ops: "No stated monthly income" },
  bureau_unavailable: {
    kind: "review",
    ops: "The credit bureau was unavailable (timeout or outage): pull again or decide manually",
    priority: 1,
  },
  bureau_error: {
    kind: "review",
    ops: "The credit bureau refused the request or answered something unreadable",
    priority: 1,
  },
  score_below_pricing_tiers: { kind: "review", ops: "Score below every pricing tier" },
  amount_outside_limits: { kind: "review", ops: "Amount outside the tier's or merchant's limits" },
  no_affordable_offer: {
    kind: "review",
    ops: "No term has a payment within the affordability limit",
  },
} satisfies Record<string, ReasonSpec>;

export type ReasonCode = keyof typeof reasonCatalogue;

export function reasonSpec(code: string): ReasonSpec | undefined {
  return (reasonCatalogue as Record<string, ReasonSpec>)[code];
}

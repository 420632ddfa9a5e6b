/** The funding modes a merchant plan can have (docs/product/merchants-and-money.md, "Funding modes"). */
export const fundingModes = ["on_completion", "on_signature"] as const;
export type FundingMode = (typeof fundingModes)[number];

export const fundingModeLabels: Record<FundingMode, string> = {
  on_completion: "On completion — paid when the customer confirms the job is done",
  on_signature: "On signature — paid when the customer signs",
};

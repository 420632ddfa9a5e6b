import { fundingModes, type FundingMode } from "~/app/lending/release";

/** The funding modes an approval chooses from (docs/product/merchants-and-money.md, "Funding modes"). */
export { fundingModes, type FundingMode };

export const fundingModeLabels: Record<FundingMode, string> = {
  on_completion: "On completion — paid when the customer confirms the job is done",
  on_signature: "On signature — paid when the customer signs",
};

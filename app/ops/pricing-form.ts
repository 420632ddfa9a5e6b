/**
 * The pricing editor's form (issue 18: pricing as a form, not a JSON textarea): the versioned
 * pricing table as the fields a person types — money in dollars, rates and fees in percent,
 * scores and months as whole numbers — named the way Conform names nested fields
 * (`tiers[0].terms[1].noteRate`). This module holds the shapes the page renders; turning a
 * stored table into field values and reading them back, exactly, is `pricing-form.server.ts`
 * (zod stays out of the browser bundle, as in form-schemas.server.ts). Pure.
 */
export type TermFields = { months: string; noteRate: string };
export type TierFields = {
  name: string;
  minScore: string;
  minAmount: string;
  maxAmount: string;
  originationFee: string;
  terms: TermFields[];
};
export type PlanFields = {
  name: string;
  /** "on" when the plan has a 0 % promotional offer (a checkbox). */
  promotional?: string;
  promoMonths?: string;
  promoMerchantFee?: string;
  promoTiers?: string;
  promoMaxAmount?: string;
};
export type PricingFormValue = {
  notes: string;
  tiers: TierFields[];
  maxOffers: string;
  minMonthlyPayment: string;
  maxPaymentToIncome: string;
  aprCap: string;
  lateGraceDays: string;
  lateFee: string;
  plans: PlanFields[];
};

/** The blank rows the "Add a tier / term / plan" buttons insert. */
export const emptyTerm: TermFields = { months: "", noteRate: "" };
export const emptyTier: TierFields = {
  name: "",
  minScore: "",
  minAmount: "",
  maxAmount: "",
  originationFee: "",
  terms: [emptyTerm],
};
export const emptyPlan: PlanFields = { name: "" };

/**
 * Where one of validatePricingTable's problems ("tiers.1: …", "merchantPlans.promo: …") belongs
 * in the form: the tier's or the plan's fieldset (Conform names `tiers[1]`, `plans[0]`), or the
 * form as a whole (""). The message keeps its text without the path prefix.
 */
export function problemField(
  problem: string,
  planNames: readonly string[],
): { field: string; message: string } {
  const tier = /^tiers\.(\d+)(?:\.[\w.]+)?: (.*)$/s.exec(problem);
  if (tier) return { field: `tiers[${tier[1]}]`, message: tier[2]! };
  const plan = /^merchantPlans\.([^:.]+)(?:\.[\w.]+)?: (.*)$/s.exec(problem);
  const index = plan ? planNames.indexOf(plan[1]!) : -1;
  if (plan && index >= 0) return { field: `plans[${index}]`, message: plan[2]! };
  return { field: "", message: problem };
}

/**
 * The merchant form: what an operator types (dollars, a percentage, an account number) to what
 * is stored (integer cents, basis points, an encrypted number and its last four digits). The
 * conversions are exact — digit strings, never floating point. Pure.
 */
import { fundingModes, maxUpfrontReleaseBps, type FundingMode } from "~/app/lending/release";
import { centsToDollarInput, dollarsToCents } from "~/app/money/dollars";

export const merchantAmountBounds = { minCents: 100, maxCents: 10_000_000 } as const;
export const maxMerchantFeeBps = 2_000;

/** "3" → 300, "2.5" → 250, "3.25%" → 325; at most two decimals; null when not a percentage. */
export function percentToBasisPoints(input: string): number | null {
  const match = /^(\d{1,3})(?:\.(\d{1,2}))?\s*%?$/.exec(input.trim());
  if (!match) return null;
  return Number(match[1]) * 100 + Number((match[2] ?? "").padEnd(2, "0"));
}

/** 325 → "3.25" (for a form field or display). */
export function basisPointsToPercent(bps: number): string {
  return `${Math.trunc(bps / 100)}.${String(Math.abs(bps % 100)).padStart(2, "0")}`;
}

export const merchantFormFields = [
  "name",
  "slug",
  "minAmount",
  "maxAmount",
  "pricingPlan",
  "merchantFee",
  "disbursementAccount",
  "fundingMode",
  "upfrontRelease",
] as const;
export type MerchantFormField = (typeof merchantFormFields)[number];

export type MerchantInput = {
  name: string;
  slug: string;
  minAmountCents: number;
  maxAmountCents: number;
  pricingPlan: string;
  merchantFeeBps: number;
  /** Digits only; null on an update that keeps the account on file. */
  disbursementAccount: string | null;
  /**
   * When the merchant is paid, and the progress payment at signature (ADR 050); null when the
   * form did not send them (create: on_completion and 0; update: unchanged).
   */
  fundingMode?: FundingMode | null;
  upfrontReleaseBps?: number | null;
};

export type MerchantFormResult =
  | { ok: true; value: MerchantInput }
  | {
      ok: false;
      errors: Partial<Record<MerchantFormField, string>>;
      /** What was typed, to show again (never the account number). */
      values: Partial<Record<MerchantFormField, string>>;
    };

const slugPattern = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/**
 * Validates the merchant form's fields as posted (Conform's payload: merchants-form.server.ts
 * reads the request with parseWithZod and calls this). On create every field is required; on update the
 * slug is fixed (keys and links are issued under it) and an empty account number keeps the
 * one on file.
 */
export function readMerchantForm(
  fields: Readonly<Record<string, unknown>>,
  options: { mode: "create" | "update"; plans: readonly string[] },
): MerchantFormResult {
  const read = (field: MerchantFormField) => {
    const value = fields[field];
    return typeof value === "string" ? value.trim() : "";
  };
  const errors: Partial<Record<MerchantFormField, string>> = {};
  const values: Partial<Record<MerchantFormField, string>> = {};
  for (const field of merchantFormFields) {
    if (field !== "disbursementAccount") values[field] = read(field);
  }

  const name = read("name");
  if (name.length < 2 || name.length > 120)
    errors.name = "Enter the business name (2–120 characters)";

  const slug = read("slug");
  if (options.mode === "create") {
    if (slug.length < 3 || slug.length > 64 || !slugPattern.test(slug)) {
      errors.slug =
        "Use 3–64 lower-case letters, digits and single hyphens (e.g. acme-pest-control)";
    }
  }

  const bounds = `between $${centsToDollarInput(merchantAmountBounds.minCents)} and $${centsToDollarInput(merchantAmountBounds.maxCents)}`;
  const minAmountCents = dollarsToCents(read("minAmount"));
  const maxAmountCents = dollarsToCents(read("maxAmount"));
  const inBounds = (cents: number | null) =>
    cents !== null &&
    cents >= merchantAmountBounds.minCents &&
    cents <= merchantAmountBounds.maxCents;
  if (!inBounds(minAmountCents)) {
    errors.minAmount = `Enter a dollar amount ${bounds}, with at most two decimals`;
  }
  if (!inBounds(maxAmountCents)) {
    errors.maxAmount = `Enter a dollar amount ${bounds}, with at most two decimals`;
  } else if (inBounds(minAmountCents) && maxAmountCents! < minAmountCents!) {
    errors.maxAmount = "The largest amount must be at least the smallest";
  }

  const pricingPlan = read("pricingPlan");
  if (!options.plans.includes(pricingPlan)) {
    errors.pricingPlan = `Choose a plan of the published pricing (${options.plans.join(", ")})`;
  }

  const merchantFeeBps = percentToBasisPoints(read("merchantFee"));
  if (merchantFeeBps === null || merchantFeeBps > maxMerchantFeeBps) {
    errors.merchantFee = `Enter a percentage from 0 to ${basisPointsToPercent(maxMerchantFeeBps)}, with at most two decimals`;
  }

  const accountText = read("disbursementAccount").replace(/[\s-]/g, "");
  let disbursementAccount: string | null = null;
  if (accountText) {
    if (!/^\d{4,17}$/.test(accountText)) {
      errors.disbursementAccount = "Enter the account number: 4 to 17 digits";
    } else disbursementAccount = accountText;
  } else if (options.mode === "create") {
    errors.disbursementAccount = "Enter the account number the merchant is paid to";
  }

  const modeText = read("fundingMode");
  const fundingMode = (fundingModes as readonly string[]).includes(modeText)
    ? (modeText as FundingMode)
    : null;
  if (modeText && !fundingMode) errors.fundingMode = "Choose when the merchant is paid";
  const upfrontText = read("upfrontRelease");
  const upfrontReleaseBps = upfrontText ? percentToBasisPoints(upfrontText) : null;
  if (upfrontText && (upfrontReleaseBps === null || upfrontReleaseBps > maxUpfrontReleaseBps)) {
    errors.upfrontRelease = `Enter a percentage from 0 to ${basisPointsToPercent(maxUpfrontReleaseBps)}, with at most two decimals`;
  } else if (fundingMode === "on_signature" && (upfrontReleaseBps ?? 0) > 0) {
    errors.upfrontRelease = "A progress payment needs payment on completion (0 on signature)";
  }

  if (Object.keys(errors).length > 0) return { ok: false, errors, values };
  return {
    ok: true,
    value: {
      name,
      slug,
      minAmountCents: minAmountCents!,
      maxAmountCents: maxAmountCents!,
      pricingPlan,
      merchantFeeBps: merchantFeeBps!,
      disbursementAccount,
      ...(fundingMode ? { fundingMode } : {}),
      ...(upfrontReleaseBps !== null ? { upfrontReleaseBps } : {}),
    },
  };
}

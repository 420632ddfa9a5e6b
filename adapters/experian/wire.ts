import { z } from "zod";

/**
 * Experian's wire format (docs/product/partners.md, "Experian"). *Shape unconfirmed as official*: every
 * field name we rely on is in this one file, so a correction is a change here (and in the
 * fake server's fixtures, which are built from these types).
 *
 * Every value arrives as a string: scores "0783", amounts in whole dollars "00001200"
 * (cents allowed: "1200.50"), counts "02", dates MMDDYYYY.
 */
export const creditReportPath = "/consumerservices/credit-profile/v2/credit-report";

/**
 * Experian's OAuth2 token endpoint (docs/partners/experian.md): `POST {base}/oauth2/v1/token`,
 * headers `Client_id`, `Client_secret`, `Grant_type: password`, JSON body `{ username, password }`
 * → `{ issued_at, expires_in (seconds, a string), token_type: "Bearer", access_token,
 * refresh_token }`. Source: developer.experian.com "Getting started" (OAuth 2.0), and the
 * sandbox clients that call `https://sandbox-us-api.experian.com/oauth2/v1/token`.
 */
export const tokenPath = "/oauth2/v1/token";

/**
 * Permissible purpose as in Experian's documented sandbox request for the Credit Profile API
 * (developer.experian.com, Consumer Credit Profile → "credit-report" sample request):
 * `"permissiblePurpose": { "type": "08" }` — a two-digit code and nothing else. What makes the
 * pull a soft inquiry is the product and subscriber code Experian provisions, not a request
 * field: the former `{ type: "3F", terms: "soft" }` was not Experian's format (ADR 030).
 */
export const permissiblePurpose = { type: "08" } as const;

export type WireCreditReportRequest = {
  consumerPii: {
    primaryApplicant: {
      name: { firstName: string; lastName: string };
      ssn: { ssn: string };
      /** The documented sample sends `{ "dob": "1955" }` (a year); the full date is MMDDYYYY. */
      dob?: { dob: string };
      currentAddress?: { line1: string; city: string; state: string; zipCode: string };
    };
  };
  requestor: { subscriberCode: string };
  permissiblePurpose: { type: string };
  addOns: { riskModels: { modelIndicator: string[] } };
};

const str = z.string();
const digits = z.string().regex(/^\s*\d+\s*$/, "expected digits");
const amount = z.string().regex(/^\s*-?\d+(\.\d{1,2})?\s*$/, "expected an amount");
const date = z.string().regex(/^\d{8}$/, "expected MMDDYYYY");

export const wireScoreFactorSchema = z.object({ importance: digits, code: str.min(1) });

export const wireRiskModelSchema = z.object({
  modelIndicator: str.min(1),
  score: digits,
  scoreFactors: z.array(wireScoreFactorSchema).optional(),
});

/**
 * A tradeline (Experian's API reference, `tradeline`): there is no `creditLimit` field. The
 * limit is one of two qualified amounts — `amount1`/`amount1Qualifier` and
 * `amount2`/`amount2Qualifier`, qualifier "L" = credit limit ("H" high balance, "O" original
 * amount, "C" charge-off) — or, with enhanced payment data, `enhancedPaymentData.creditLimitAmount`.
 */
export const wireTradelineSchema = z.object({
  accountType: str,
  openOrClosed: z.enum(["O", "C"]),
  revolvingOrInstallment: str.optional(),
  balanceAmount: amount.optional(),
  amountPastDue: amount.optional(),
  monthlyPaymentAmount: amount.optional(),
  amount1: amount.optional(),
  amount1Qualifier: str.optional(),
  amount2: amount.optional(),
  amount2Qualifier: str.optional(),
  enhancedPaymentData: z.object({ creditLimitAmount: amount.optional() }).optional(),
  delinquencies30Days: digits.optional(),
  delinquencies60Days: digits.optional(),
  delinquencies90to180Days: digits.optional(),
  openDate: date.optional(),
});

/**
 * A public record (Experian's API reference, `publicRecord`): `status` is a public-record
 * status code, `courtCode`/`courtName` the court, `filingDate`/`statusDate` MMDDYYYY, and
 * `bankruptcyAssetAmount`, `bankruptcyVoluntaryIndicator`, `adjustmentPercent` and
 * `repaymentPercent` appear on bankruptcies only. There is no `bankruptcy` flag and no
 * `recordType`: a bankruptcy is recognised by `isBankruptcyRecord` below.
 */
export const wirePublicRecordSchema = z.object({
  courtCode: str.optional(),
  courtName: str.optional(),
  filingDate: date.optional(),
  amount: amount.optional(),
  status: str.optional(),
  statusDate: date.optional(),
  bankruptcyAssetAmount: amount.optional(),
  bankruptcyVoluntaryIndicator: str.optional(),
  adjustmentPercent: str.optional(),
  repaymentPercent: str.optional(),
});
export type WirePublicRecord = z.infer<typeof wirePublicRecordSchema>;

/**
 * Public-record status codes that are bankruptcies (petitions, discharges, dismissals,
 * withdrawals of Chapters 7, 11, 12 and 13). *Unconfirmed*: Experian's code table (its ARF
 * glossary) is not public in a form we could check; the documented sample bankruptcy
 * (`"status": "13"`, court "US BKPT CT …") is in this range, the sample county liens (32, 33)
 * are not. Confirm the table at onboarding; it is kept in this one place.
 */
export const bankruptcyStatusCodes: ReadonlySet<string> = new Set(
  Array.from({ length: 18 }, (_, i) => String(12 + i)),
);

/** A bankruptcy: by status code, by a bankruptcy-only field, or by a bankruptcy court's name. */
export function isBankruptcyRecord(record: WirePublicRecord): boolean {
  if (record.status !== undefined && bankruptcyStatusCodes.has(record.status.trim())) return true;
  if (
    record.bankruptcyAssetAmount !== undefined ||
    record.bankruptcyVoluntaryIndicator !== undefined ||
    record.adjustmentPercent !== undefined ||
    record.repaymentPercent !== undefined
  ) {
    return true;
  }
  return /\b(BANKRUPTCY|BKPT|BKRPT)\b/i.test(record.courtName ?? "");
}

export const wireInquirySchema = z.object({
  date,
  subscriberName: str.optional(),
});

export const wireCreditProfileSchema = z.object({
  // The documented answer: reportDate is MMDDYY ("080619"), y2kReportedDate MMDDYYYY.
  headerRecord: z
    .array(z.object({ reportDate: str.optional(), y2kReportedDate: date.optional() }))
    .optional(),
  riskModel: z.array(wireRiskModelSchema).optional(),
  tradeline: z.array(wireTradelineSchema).optional(),
  publicRecord: z.array(wirePublicRecordSchema).optional(),
  inquiry: z.array(wireInquirySchema).optional(),
});

export const wireCreditReportResponseSchema = z.object({
  creditProfile: z.array(wireCreditProfileSchema).min(1),
});

export type WireCreditReportResponse = z.infer<typeof wireCreditReportResponseSchema>;
export type WireCreditProfile = z.infer<typeof wireCreditProfileSchema>;
export type WireTradeline = z.infer<typeof wireTradelineSchema>;

/** Experian-style account-type codes that are mortgages (kept out of non-mortgage debt). */
export const mortgageAccountTypes = new Set(["26", "19", "25", "2C", "5B"]);

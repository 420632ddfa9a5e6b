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

/** Permissible purpose sent with a soft inquiry for a consumer-initiated credit application. */
export const softInquiryPurpose = { type: "3F", terms: "soft" } as const;

export type WireCreditReportRequest = {
  consumerPii: {
    primaryApplicant: {
      name: { firstName: string; lastName: string };
      ssn: { ssn: string };
      dob?: { dob: string };
      currentAddress?: { line1: string; city: string; state: string; zipCode: string };
    };
  };
  requestor: { subscriberCode: string };
  permissiblePurpose: { type: string; terms: string };
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

export const wireTradelineSchema = z.object({
  accountType: str,
  openOrClosed: z.enum(["O", "C"]),
  revolvingOrInstallment: str.optional(),
  balanceAmount: amount.optional(),
  amountPastDue: amount.optional(),
  monthlyPaymentAmount: amount.optional(),
  creditLimit: amount.optional(),
  delinquencies30Days: digits.optional(),
  delinquencies60Days: digits.optional(),
  delinquencies90to180Days: digits.optional(),
  openDate: date.optional(),
});

export const wirePublicRecordSchema = z.object({
  courtName: str.optional(),
  filingDate: date.optional(),
  amount: amount.optional(),
  status: str.optional(),
  /** "Y" when the record is a bankruptcy. */
  bankruptcy: z.enum(["Y", "N"]).optional(),
  /** "JUDGMENT", "LIEN", … when it is not. */
  recordType: str.optional(),
});

export const wireInquirySchema = z.object({
  date,
  subscriberName: str.optional(),
});

export const wireCreditProfileSchema = z.object({
  headerRecord: z.array(z.object({ reportDate: date.optional() })).optional(),
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

/** Experian-style account-type codes that are mortgages (kept out of non-mortgage debt). */
export const mortgageAccountTypes = new Set(["26", "19", "25", "2C", "5B"]);

import { describeScoreFactor, defaultScoreRange, scoreModels } from "./score-factors";
import {
  BureauError,
  type CreditPullRequest,
  type CreditReport,
  type PublicRecordType,
  type Tradeline,
  type TradelineKind,
} from "./types";
import {
  isBankruptcyRecord,
  mortgageAccountTypes,
  permissiblePurpose,
  wireCreditReportResponseSchema,
  type WireCreditProfile,
  type WireCreditReportRequest,
  type WirePublicRecord,
  type WireTradeline,
} from "./wire";

/** "00001200" → 120000, "1200.5" → 120050, "-35" → -3500: exact, no floating point. */
export function parseAmountCents(value: string): number {
  const match = /^\s*(-?)(\d+)(?:\.(\d{1,2}))?\s*$/.exec(value);
  if (!match) throw new BureauError("invalid_response", "Invalid amount in credit report");
  const [, sign, whole, fraction = ""] = match;
  const cents = Number(whole) * 100 + Number(fraction.padEnd(2, "0"));
  if (!Number.isSafeInteger(cents)) {
    throw new BureauError("invalid_response", "Amount out of range in credit report");
  }
  return sign === "-" ? -cents : cents;
}

/** "0783" → 783. */
export function parseCount(value: string): number {
  return Number.parseInt(value.trim(), 10);
}

/** MMDDYYYY → YYYY-MM-DD, refusing impossible dates (02302024). */
export function parseWireDate(value: string): string {
  const month = Number(value.slice(0, 2));
  const day = Number(value.slice(2, 4));
  const year = Number(value.slice(4, 8));
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (
    !/^\d{8}$/.test(value) ||
    probe.getUTCFullYear() !== year ||
    probe.getUTCMonth() !== month - 1 ||
    probe.getUTCDate() !== day
  ) {
    throw new BureauError("invalid_response", "Invalid date in credit report");
  }
  return `${value.slice(4, 8)}-${value.slice(0, 2)}-${value.slice(2, 4)}`;
}

/** YYYY-MM-DD → MMDDYYYY. */
export function toWireDate(isoDate: string): string {
  const [year, month, day] = isoDate.split("-");
  return `${month}${day}${year}`;
}

const optionalAmount = (value: string | undefined) =>
  value === undefined ? 0 : parseAmountCents(value);
const optionalCount = (value: string | undefined) => (value === undefined ? 0 : parseCount(value));

function tradelineKind(accountType: string, revolvingOrInstallment?: string): TradelineKind {
  if (mortgageAccountTypes.has(accountType)) return "mortgage";
  if (revolvingOrInstallment === "R") return "revolving";
  if (revolvingOrInstallment === "I") return "installment";
  return "other";
}

/**
 * Experian's public record has no record-type field: bankruptcies are recognised from the
 * record (wire.ts `isBankruptcyRecord`); anything else is "other" (since 2017-2018 the bureaus
 * report no civil judgments or tax liens, so that is rare).
 */
function publicRecordType(record: WirePublicRecord): PublicRecordType {
  return isBankruptcyRecord(record) ? "bankruptcy" : "other";
}

/** The credit limit: the amount qualified "L", else enhanced payment data's creditLimitAmount. */
function creditLimitOf(line: WireTradeline): number | null {
  if (line.amount1 !== undefined && line.amount1Qualifier?.trim() === "L") {
    return parseAmountCents(line.amount1);
  }
  if (line.amount2 !== undefined && line.amount2Qualifier?.trim() === "L") {
    return parseAmountCents(line.amount2);
  }
  const enhanced = line.enhancedPaymentData?.creditLimitAmount;
  return enhanced === undefined ? null : parseAmountCents(enhanced);
}

function toReport(profile: WireCreditProfile, pulledAt: Date): CreditReport {
  const model = profile.riskModel?.[0];
  const range = (model && scoreModels[model.modelIndicator]) ?? defaultScoreRange;
  const rawScore = model ? parseCount(model.score) : null;
  // Scores outside the model's range are exclusion codes (no-hit, deceased, unscorable).
  const score =
    rawScore !== null && rawScore >= range.min && rawScore <= range.max ? rawScore : null;
  const scoreFactors =
    score === null
      ? []
      : (model?.scoreFactors ?? [])
          .map((factor) => ({ rank: parseCount(factor.importance), code: factor.code.trim() }))
          .sort((a, b) => a.rank - b.rank || a.code.localeCompare(b.code))
          .map((factor) => ({ ...factor, ...describeScoreFactor(factor.code) }));

  const tradelines: Tradeline[] = (profile.tradeline ?? []).map((line) => ({
    kind: tradelineKind(line.accountType.trim(), line.revolvingOrInstallment?.trim()),
    accountType: line.accountType.trim(),
    open: line.openOrClosed === "O",
    balanceCents: optionalAmount(line.balanceAmount),
    pastDueCents: optionalAmount(line.amountPastDue),
    monthlyPaymentCents: optionalAmount(line.monthlyPaymentAmount),
    creditLimitCents: creditLimitOf(line),
    delinquencies30: optionalCount(line.delinquencies30Days),
    delinquencies60: optionalCount(line.delinquencies60Days),
    delinquencies90: optionalCount(line.delinquencies90to180Days),
    openedOn: line.openDate === undefined ? null : parseWireDate(line.openDate),
  }));

  const header = profile.headerRecord?.[0];
  const reportDateWire =
    header?.y2kReportedDate ??
    (header?.reportDate && /^\d{8}$/.test(header.reportDate) ? header.reportDate : undefined);
  return {
    bureau: "experian",
    pulledAt: pulledAt.toISOString(),
    reportDate: reportDateWire
      ? parseWireDate(reportDateWire)
      : pulledAt.toISOString().slice(0, 10),
    score,
    scoreModel: model ? (scoreModels[model.modelIndicator]?.name ?? model.modelIndicator) : null,
    scoreRange: { min: range.min, max: range.max },
    scoreFactors,
    tradelines,
    publicRecords: (profile.publicRecord ?? []).map((record) => ({
      type: publicRecordType(record),
      courtName: record.courtName?.trim() || null,
      filedOn: record.filingDate === undefined ? null : parseWireDate(record.filingDate),
      amountCents: record.amount === undefined ? null : parseAmountCents(record.amount),
      status: record.status?.trim() || null,
    })),
    inquiries: (profile.inquiry ?? []).map((inquiry) => ({
      date: parseWireDate(inquiry.date),
      subscriberName: inquiry.subscriberName?.trim() || null,
    })),
  };
}

/**
 * Validates a credit-report response body and converts it to a typed CreditReport.
 * Any deviation is a BureauError("invalid_response") naming the offending paths (never
 * the values: they are consumer data).
 */
export function parseCreditReportResponse(body: unknown, pulledAt: Date): CreditReport {
  const result = wireCreditReportResponseSchema.safeParse(body);
  if (!result.success) {
    const paths = result.error.issues
      .slice(0, 5)
      .map((issue) => issue.path.join(".") || "(body)")
      .join(", ");
    throw new BureauError(
      "invalid_response",
      `Credit report did not match the expected shape at ${paths}`,
    );
  }
  return toReport(result.data.creditProfile[0]!, pulledAt);
}

/** Builds the request body for a soft pull. */
export function toWireRequest(
  request: CreditPullRequest,
  options: { subscriberCode: string; modelIndicator?: string },
): WireCreditReportRequest {
  const address = request.address;
  return {
    consumerPii: {
      primaryApplicant: {
        name: { firstName: request.firstName, lastName: request.lastName },
        ssn: { ssn: request.ssn.replace(/\D/g, "") },
        ...(request.dateOfBirth ? { dob: { dob: toWireDate(request.dateOfBirth) } } : {}),
        ...(address?.line1
          ? {
              currentAddress: {
                line1: address.line1,
                city: address.city ?? "",
                state: address.state ?? "",
                zipCode: address.postalCode ?? "",
              },
            }
          : {}),
      },
    },
    requestor: { subscriberCode: options.subscriberCode },
    permissiblePurpose: { ...permissiblePurpose },
    addOns: { riskModels: { modelIndicator: [options.modelIndicator ?? "V4"] } },
  };
}

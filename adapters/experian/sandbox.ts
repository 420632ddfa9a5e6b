import { describeScoreFactor } from "./score-factors";
import {
  BureauError,
  type CreditBureau,
  type CreditPullRequest,
  type CreditReport,
  type PublicRecord,
  type Tradeline,
} from "./types";

/**
 * The sandbox bureau: deterministic reports chosen by the last four digits of the SSN, so a
 * demo or a test can reach every outcome on purpose. docs/sandbox/experian.md lists them;
 * the table below is the source of truth (and is exported for that document's test).
 *
 * Outcomes are those of the default rule set (v1) for an otherwise ordinary applicant:
 * monthly income $6,000, housing $1,500, a linked bank account in good standing, identity
 * verified, $8,000 requested.
 */
export const sandboxCases = [
  {
    ssnLast4: "0000",
    report: "Chapter 7 bankruptcy on file, score 640",
    outcome: "declined (bankruptcy)",
  },
  {
    ssnLast4: "1111",
    report: "thin file: 2 tradelines, score 705",
    outcome: "manual review (thin file)",
  },
  {
    ssnLast4: "2222",
    report: "score 540 with recent delinquencies",
    outcome: "declined (credit score below the floor; reasons are the score's key factors)",
  },
  {
    ssnLast4: "3333",
    report: "no hit: no score, no tradelines",
    outcome: "manual review (no credit score, thin file)",
  },
  {
    ssnLast4: "4444",
    report: "bankruptcy and score 520, inquiries among the score factors",
    outcome:
      "declined (bankruptcy and low score; four reasons, inquiries disclosed as a fifth key factor)",
  },
  {
    ssnLast4: "6200",
    report: "score 620, clean file",
    outcome: "manual review (credit score below 650)",
  },
  { ssnLast4: "7800", report: "score 780, clean file", outcome: "approved, tier A, 3 offers" },
  {
    ssnLast4: "8888",
    report: "score 720, $2,800/month personal loan",
    outcome: "manual review (debt-to-income above the ceiling)",
  },
  {
    ssnLast4: "9997",
    report: "the bureau rejects the request (HTTP 400)",
    outcome: "manual review (credit bureau error)",
  },
  {
    ssnLast4: "9998",
    report: "the bureau fails (HTTP 503 after retries)",
    outcome: "manual review (credit bureau unavailable)",
  },
  {
    ssnLast4: "9999",
    report: "the bureau times out",
    outcome: "manual review (credit bureau unavailable)",
  },
] as const;

const dayMs = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function tradeline(
  partial: Partial<Tradeline> & Pick<Tradeline, "kind" | "accountType">,
): Tradeline {
  return {
    open: true,
    balanceCents: 0,
    pastDueCents: 0,
    monthlyPaymentCents: 0,
    creditLimitCents: null,
    delinquencies30: 0,
    delinquencies60: 0,
    delinquencies90: 0,
    openedOn: "2016-04-01",
    ...partial,
  };
}

const cleanTradelines = (): Tradeline[] => [
  tradeline({
    kind: "revolving",
    accountType: "18",
    balanceCents: 120_000,
    creditLimitCents: 800_000,
    monthlyPaymentCents: 3_500,
    openedOn: "2015-04-01",
  }),
  tradeline({
    kind: "revolving",
    accountType: "18",
    balanceCents: 240_000,
    creditLimitCents: 1_000_000,
    monthlyPaymentCents: 6_000,
    openedOn: "2017-09-01",
  }),
  tradeline({
    kind: "revolving",
    accountType: "07",
    balanceCents: 0,
    creditLimitCents: 300_000,
    openedOn: "2019-02-01",
  }),
  tradeline({
    kind: "installment",
    accountType: "00",
    balanceCents: 1_450_000,
    monthlyPaymentCents: 32_000,
    openedOn: "2023-06-01",
  }),
  tradeline({
    kind: "installment",
    accountType: "12",
    balanceCents: 980_000,
    monthlyPaymentCents: 15_000,
    openedOn: "2014-09-01",
  }),
  tradeline({
    kind: "revolving",
    accountType: "18",
    open: false,
    creditLimitCents: 200_000,
    openedOn: "2012-01-01",
  }),
];

const delinquentTradelines = (): Tradeline[] =>
  cleanTradelines().map((line, index) =>
    index === 1
      ? { ...line, pastDueCents: 18_000, delinquencies30: 3, delinquencies60: 1 }
      : index === 3
        ? { ...line, delinquencies30: 2 }
        : line,
  );

const factors = (...codes: string[]) =>
  codes.map((code, index) => ({ rank: index + 1, code, ...describeScoreFactor(code) }));

function bankruptcy(pulledAtMs: number): PublicRecord {
  return {
    type: "bankruptcy",
    courtName: "US Bankruptcy Court",
    filedOn: isoDay(pulledAtMs - 3 * 365 * dayMs),
    amountCents: 2_450_000,
    status: "Chapter 7 discharged",
  };
}

/** The deterministic report for an SSN (throws the BureauError a magic SSN asks for). */
export function sandboxReport(request: CreditPullRequest, pulledAt: Date): CreditReport {
  const ssn = request.ssn.replace(/\D/g, "");
  if (ssn.length !== 9)
    throw new BureauError("rejected", "SSN must have nine digits", { status: 400 });
  const last4 = ssn.slice(-4);
  const at = pulledAt.getTime();
  const base: CreditReport = {
    bureau: "experian",
    pulledAt: pulledAt.toISOString(),
    reportDate: isoDay(at),
    score: null,
    scoreModel: "VantageScore 4.0",
    scoreRange: { min: 300, max: 850 },
    scoreFactors: [],
    tradelines: cleanTradelines(),
    publicRecords: [],
    inquiries: [{ date: isoDay(at - 40 * dayMs), subscriberName: "AUTO LENDER" }],
  };
  const clean = (score: number): CreditReport => ({
    ...base,
    score,
    scoreFactors: factors("12", "14", "10", "24"),
  });

  switch (last4) {
    case "0000":
      return {
        ...base,
        score: 640,
        scoreFactors: factors("38", "20", "14", "10"),
        publicRecords: [bankruptcy(at)],
      };
    case "1111":
      return {
        ...base,
        score: 705,
        scoreFactors: factors("07", "28", "14", "03"),
        tradelines: cleanTradelines().slice(0, 1).concat(cleanTradelines().slice(4, 5)),
      };
    case "2222":
      return {
        ...base,
        score: 540,
        scoreFactors: factors("02", "18", "21", "10"),
        tradelines: delinquentTradelines(),
      };
    case "3333":
      return { ...base, score: null, scoreModel: null, tradelines: [], inquiries: [] };
    case "4444":
      return {
        ...base,
        score: 520,
        scoreFactors: factors("38", "02", "18", "21", "08"),
        tradelines: delinquentTradelines(),
        publicRecords: [bankruptcy(at)],
        inquiries: [
          { date: isoDay(at - 20 * dayMs), subscriberName: "CARD ISSUER" },
          { date: isoDay(at - 45 * dayMs), subscriberName: "PERSONAL LOANS" },
          { date: isoDay(at - 70 * dayMs), subscriberName: "AUTO LENDER" },
        ],
      };
    case "8888":
      return {
        ...clean(720),
        tradelines: [
          ...cleanTradelines(),
          tradeline({
            kind: "installment",
            accountType: "01",
            balanceCents: 6_200_000,
            monthlyPaymentCents: 280_000,
            openedOn: "2025-01-01",
          }),
        ],
      };
    case "9997":
      throw new BureauError("rejected", "Experian rejected the request (sandbox, HTTP 400)", {
        status: 400,
      });
    case "9998":
      throw new BureauError("server_error", "Experian answered HTTP 503 (sandbox)", {
        status: 503,
        attempts: 3,
      });
    case "9999":
      throw new BureauError("timeout", "Experian did not answer in time (sandbox)", {
        attempts: 3,
      });
  }
  const n = Number(last4);
  // SSNs ending in a multiple of ten between 3000 and 8500 choose the score: …6200 → 620.
  if (n % 10 === 0 && n >= 3000 && n <= 8500) return clean(n / 10);
  // Anyone else: a clean file and a stable score from 700 to 799.
  return clean(700 + ((n * 7919) % 100));
}

/** The sandbox bureau (the default when no live Experian configuration is present). */
export function createSandboxExperian(options: { now?: () => Date } = {}): CreditBureau {
  const now = options.now ?? (() => new Date());
  return {
    name: "experian",
    mode: "sandbox",
    async pullSoft(request, pullOptions) {
      pullOptions?.signal?.throwIfAborted();
      return sandboxReport(request, now());
    },
  };
}

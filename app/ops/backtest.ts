import {
  ENGINE_VERSION,
  evaluate,
  type DecisionResult,
  type DecisionSnapshot,
  type DecisionStatus,
  type LoadedPricing,
  type LoadedRuleSet,
} from "~/app/decisioning/engine";

/**
 * A back-test (ADR 070): stored engine decisions replayed — their snapshot's inputs through the
 * engine — once with the live rule set and pricing and once with the draft in place of its live
 * counterpart, and the two summed up side by side. Pure and incremental (`add` one snapshot at a
 * time, `result` at any point), so the job can store progress and the benchmark can time it.
 *
 * The "before" side is the live version replayed, not the stored result: a decision made months
 * ago under an older version would otherwise show that version's changes as the draft's. When
 * the snapshot was made by the live versions with this engine, its stored result IS the replay
 * (replay.server.ts proves that byte for byte) and is used as it is — half the work.
 */
export type Policy = { ruleSet: LoadedRuleSet; pricing: LoadedPricing };

export type BacktestFigures = {
  decisions: number;
  approved: number;
  declined: number;
  review: number;
  /** Percentages with one decimal, as text ("62.5"); "0.0" with no decisions. */
  approvalRate: string;
  declineRate: string;
  reviewRate: string;
  /** Approved decisions by the tier they were offered in. */
  offersByTier: Record<string, number>;
  /** Mean APR of every offer made to an approved application, in percent with three decimals, or null without offers. */
  averageApr: string | null;
  /** Funded-volume proxy: the requested amounts of the approved applications, in cents. */
  fundedVolumeCents: number;
};

export type OutcomeSide = {
  status: DecisionStatus;
  tier: string | null;
  offers: number;
  /** The lowest APR offered (percent text) or null. */
  bestApr: string | null;
  reasons: string[];
};

export type OutcomeChange = {
  applicationId: string;
  decisionId: string;
  amountCents: number;
  before: OutcomeSide;
  after: OutcomeSide;
};

export type BacktestResult = {
  live: { ruleSetVersion: number; pricingVersion: number };
  draft: { ruleSetVersion: number; pricingVersion: number };
  before: BacktestFigures;
  after: BacktestFigures;
  /** How many decisions' outcome (status, tier, offers or best APR) would change. */
  changedCount: number;
  /** The first `changeLimit` of them. */
  changes: OutcomeChange[];
  /** Snapshots this engine cannot read (no inputs): skipped and counted. */
  skipped: number;
};

type Tally = {
  decisions: number;
  approved: number;
  declined: number;
  review: number;
  offersByTier: Map<string, number>;
  aprThousandthsSum: number;
  offerCount: number;
  fundedVolumeCents: number;
};

const emptyTally = (): Tally => ({
  decisions: 0,
  approved: 0,
  declined: 0,
  review: 0,
  offersByTier: new Map(),
  aprThousandthsSum: 0,
  offerCount: 0,
  fundedVolumeCents: 0,
});

/** "9.990" → 9990 (APRs are exact decimal strings with up to three places). */
function thousandths(text: string): number {
  const [whole = "0", fraction = ""] = text.split(".");
  return Number(whole) * 1000 + Number(fraction.padEnd(3, "0").slice(0, 3));
}

const fromThousandths = (n: number) =>
  `${Math.floor(n / 1000)}.${String(n % 1000).padStart(3, "0")}`;

function tallyOne(tally: Tally, result: DecisionResult, amountCents: number) {
  tally.decisions++;
  if (result.status === "approved") {
    tally.approved++;
    tally.fundedVolumeCents += amountCents;
    if (result.tier)
      tally.offersByTier.set(result.tier, (tally.offersByTier.get(result.tier) ?? 0) + 1);
    // Only an approval's offers reach the borrower; a review's are the underwriter's options.
    for (const offer of result.offers) {
      tally.aprThousandthsSum += thousandths(offer.apr);
      tally.offerCount++;
    }
  } else if (result.status === "declined") tally.declined++;
  else tally.review++;
}

function rate(part: number, whole: number): string {
  if (whole === 0) return "0.0";
  // Tenths of a percent, rounded half up, in integers.
  const tenths = Math.floor((part * 2000 + whole) / (2 * whole));
  return `${Math.floor(tenths / 10)}.${tenths % 10}`;
}

function figures(tally: Tally): BacktestFigures {
  return {
    decisions: tally.decisions,
    approved: tally.approved,
    declined: tally.declined,
    review: tally.review,
    approvalRate: rate(tally.approved, tally.decisions),
    declineRate: rate(tally.declined, tally.decisions),
    reviewRate: rate(tally.review, tally.decisions),
    offersByTier: Object.fromEntries(
      [...tally.offersByTier].sort(([a], [b]) => a.localeCompare(b)),
    ),
    averageApr:
      tally.offerCount === 0
        ? null
        : fromThousandths(Math.round(tally.aprThousandthsSum / tally.offerCount)),
    fundedVolumeCents: tally.fundedVolumeCents,
  };
}

function side(result: DecisionResult): OutcomeSide {
  let best: number | null = null;
  for (const offer of result.offers) {
    const apr = thousandths(offer.apr);
    if (best === null || apr < best) best = apr;
  }
  return {
    status: result.status,
    tier: result.tier,
    offers: result.offers.length,
    bestApr: best === null ? null : fromThousandths(best),
    reasons: result.status === "declined" ? result.declineReasons : result.reviewReasons,
  };
}

const sameOutcome = (a: OutcomeSide, b: OutcomeSide) =>
  a.status === b.status && a.tier === b.tier && a.offers === b.offers && a.bestApr === b.bestApr;

export const changeLimit = 500;

export function createBacktest(
  live: Policy,
  draft: Policy,
  options: { changeLimit?: number } = {},
) {
  const limit = options.changeLimit ?? changeLimit;
  const before = emptyTally();
  const after = emptyTally();
  const changes: OutcomeChange[] = [];
  let changedCount = 0;
  let skipped = 0;
  const draftIsLive = draft.ruleSet.id === live.ruleSet.id && draft.pricing.id === live.pricing.id;

  return {
    /** One stored decision: its snapshot and its id. */
    add(snapshot: DecisionSnapshot, decisionId: string) {
      if (snapshot.snapshotVersion !== 1 || !snapshot.inputs) {
        skipped++;
        return;
      }
      const madeByLive =
        snapshot.engineVersion === ENGINE_VERSION &&
        snapshot.ruleSet.id === live.ruleSet.id &&
        snapshot.pricing.id === live.pricing.id &&
        snapshot.result !== undefined;
      const liveResult = madeByLive
        ? snapshot.result
        : evaluate(snapshot.inputs, live.ruleSet, live.pricing);
      const draftResult = draftIsLive
        ? liveResult
        : evaluate(snapshot.inputs, draft.ruleSet, draft.pricing);
      const amountCents = snapshot.inputs.application.amountCents;
      tallyOne(before, liveResult, amountCents);
      tallyOne(after, draftResult, amountCents);
      const a = side(liveResult);
      const b = side(draftResult);
      if (!sameOutcome(a, b)) {
        changedCount++;
        if (changes.length < limit) {
          changes.push({
            applicationId: snapshot.applicationId,
            decisionId,
            amountCents,
            before: a,
            after: b,
          });
        }
      }
    },
    result(): BacktestResult {
      return {
        live: { ruleSetVersion: live.ruleSet.version, pricingVersion: live.pricing.version },
        draft: { ruleSetVersion: draft.ruleSet.version, pricingVersion: draft.pricing.version },
        before: figures(before),
        after: figures(after),
        changedCount,
        changes: [...changes],
        skipped,
      };
    },
  };
}

/** A whole back-test in one call (tests, small windows). */
export function backtest(
  live: Policy,
  draft: Policy,
  snapshots: Iterable<{ id: string; snapshot: DecisionSnapshot }>,
): BacktestResult {
  const run = createBacktest(live, draft);
  for (const { id, snapshot } of snapshots) run.add(snapshot, id);
  return run.result();
}

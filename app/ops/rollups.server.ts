import { sql } from "drizzle-orm";
import type { Database } from "~/db/client";

/**
 * Reads the dashboard's daily rollups (db/schema/rollups.ts, kept by the triggers of migration
 * 0031) over whole UTC days: a few rows per day and figure, whatever the history's size.
 */
export type RollupWindow = {
  /** Applications by the status of their latest decision, decided in the window. */
  decisions: Record<string, number>;
  offersSelected: { count: number; amountCents: number };
  loansFunded: { count: number; amountCents: number };
  /** Times to decision (ms, at display precision) with how many applications took each. */
  timesToDecision: { value: number; count: number }[];
  /** The same split (migration 0036, ADR 079): the engine's decisions and underwriters'. */
  timesToDecisionAuto: { value: number; count: number }[];
  timesToDecisionManual: { value: number; count: number }[];
  /** Applications whose link was sent in the window, by the furthest funnel step reached. */
  funnel: Record<string, number>;
};

type Row = { metric: string; key: string; n: number; total: number };

export async function loadRollups(
  database: Database,
  fromDay: number,
  toDay: number,
): Promise<RollupWindow> {
  const rows = await database.db.all<Row>(
    sql`SELECT metric, key, sum(n) AS n, sum(total) AS total FROM daily_rollups
        WHERE metric IN ('decision', 'offer_selected', 'loan_funded', 'time_to_decision',
            'ttd_auto', 'ttd_manual', 'funnel')
          AND day BETWEEN ${fromDay} AND ${toDay}
        GROUP BY metric, key`,
  );
  const window: RollupWindow = {
    decisions: {},
    offersSelected: { count: 0, amountCents: 0 },
    loansFunded: { count: 0, amountCents: 0 },
    timesToDecision: [],
    timesToDecisionAuto: [],
    timesToDecisionManual: [],
    funnel: {},
  };
  for (const row of rows) {
    const n = Number(row.n);
    const total = Number(row.total);
    if (row.metric === "decision") window.decisions[String(row.key)] = n;
    else if (row.metric === "offer_selected")
      window.offersSelected = { count: n, amountCents: total };
    else if (row.metric === "loan_funded") window.loansFunded = { count: n, amountCents: total };
    else if (row.metric === "funnel") window.funnel[String(row.key)] = n;
    else if (row.metric === "ttd_auto")
      window.timesToDecisionAuto.push({ value: Number(row.key), count: n });
    else if (row.metric === "ttd_manual")
      window.timesToDecisionManual.push({ value: Number(row.key), count: n });
    else window.timesToDecision.push({ value: Number(row.key), count: n });
  }
  return window;
}

/** Applications created per UTC day from `fromDay` to `toDay` (days without any are absent). */
export async function loadApplicationsPerDay(
  database: Database,
  fromDay: number,
  toDay: number,
): Promise<{ day: number; count: number }[]> {
  const rows = await database.db.all<{ day: number; n: number }>(
    sql`SELECT day, n FROM daily_rollups
        WHERE metric = 'application' AND day BETWEEN ${fromDay} AND ${toDay} AND key = ''`,
  );
  return rows.map((row) => ({ day: Number(row.day), count: Number(row.n) }));
}

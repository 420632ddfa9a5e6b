import { sql } from "drizzle-orm";
import type { Database } from "~/db/client";
import { formatMoney } from "~/app/money/dollars";
import { barChart, summarize, type BarChartModel } from "./charts";
import {
  approvalRate,
  dayMs,
  decisionSeries,
  fillDays,
  formatDuration,
  formatPercent,
  utcDay,
} from "./dashboard";
import { countedPercentile } from "./rollups";
import { loadApplicationsPerDay, loadRollups } from "./rollups.server";

/**
 * The FlowOps dashboard (architecture "Metrics & Dashboards"): a handful of read-only queries
 * and the charts built from them on the server. Days are UTC days. Every query reads a bounded
 * window through an index or the daily rollups — never history (ADR 072, app/ops/query-plans.test.ts).
 */
export const windowDays = 30;
export const chartDays = 14;

export type Stat = { label: string; value: string; detail?: string };

export type PartnerErrors = {
  jobs: { kind: string; dead: number; failing: number }[];
  crm: { crm: string; operation: string; errors: number }[];
};

export type Dashboard = {
  generatedAt: string;
  stats: Stat[];
  charts: BarChartModel[];
  reviewQueue: {
    pending: number;
    assigned: number;
    highPriority: number;
    oldestAgeMs: number | null;
  };
  partnerErrors: PartnerErrors;
};

type Row = Record<string, unknown>;
const num = (value: unknown) => (value === null || value === undefined ? 0 : Number(value));

export async function loadDashboard(database: Database, now = Date.now()): Promise<Dashboard> {
  const db = database.db;
  const today = utcDay(now);
  // The last 30 UTC days, today included: whole days, as the rollups count them.
  const windowStartDay = today - windowDays + 1;
  const since24h = now - dayMs;

  const [perDay, rollups, queueRow, jobs, crm] = await Promise.all([
    // Today's count and the chart's days from the daily rollups (migration 0032).
    loadApplicationsPerDay(database, today - chartDays + 1, today),
    // The 30-day figures from the daily rollups (migration 0031, ADR 072): each application
    // counts once, by its latest decision (an underwriter's resolution after a manual review
    // supersedes the engine's "manual_review"); a loan's amount is fixed when the borrower
    // signs (the amount financed of the chosen offer); time to decision leaves out
    // applications still in review.
    loadRollups(database, windowStartDay, today),
    db.get<Row>(
      sql`SELECT sum(status = 'pending') AS pending, sum(status = 'assigned') AS assigned,
              sum(priority = 1) AS high, min(created_at) AS oldest
            FROM manual_reviews WHERE status IN ('pending', 'assigned')`,
    ),
    db.all<Row>(
      sql`SELECT kind, sum(state = 'dead') AS dead,
              sum(state IN ('pending', 'running')) AS failing
            FROM outbox INDEXED BY outbox_unfinished_updated_idx
            WHERE updated_at >= ${since24h} AND state <> 'completed'
              AND (state = 'dead' OR (state IN ('pending', 'running') AND last_error IS NOT NULL))
            GROUP BY kind ORDER BY dead + failing DESC, kind`,
    ),
    // A write we chose not to attempt (e.g. no usable CRM id) is logged as an error with a
    // NOT_ATTEMPTED: message, but no partner call failed (as in partner_call_errors_total).
    db.all<Row>(
      sql`SELECT crm, operation, count(*) AS n FROM crm_sync_logs
            WHERE outcome = 'error' AND created_at >= ${since24h}
              AND (error IS NULL OR error NOT LIKE 'NOT_ATTEMPTED:%')
            GROUP BY crm, operation ORDER BY n DESC, crm, operation`,
    ),
  ]);

  const decisionCounts = rollups.decisions;
  const rate = approvalRate({
    approved: decisionCounts.approved ?? 0,
    declined: decisionCounts.declined ?? 0,
  });
  const times = rollups.timesToDecision;
  const decided = times.reduce((sum, t) => sum + t.count, 0);
  const offers = rollups.offersSelected.count;
  const loans = rollups.loansFunded.count;

  const stats: Stat[] = [
    {
      label: "Applications today",
      value: (perDay.find((row) => row.day === today)?.count ?? 0).toLocaleString("en-US"),
      detail: "UTC day",
    },
    {
      label: `Approval rate (${windowDays} days)`,
      value: formatPercent(rate),
      detail: `${decisionCounts.approved ?? 0} approved, ${decisionCounts.declined ?? 0} declined`,
    },
    {
      label: `Average loan amount (${windowDays} days)`,
      value:
        offers > 0 ? formatMoney(Math.round(rollups.offersSelected.amountCents / offers)) : "—",
      detail: `${offers} signed ${offers === 1 ? "agreement" : "agreements"}`,
    },
    {
      label: `Funded volume (${windowDays} days)`,
      value: formatMoney(rollups.loansFunded.amountCents),
      detail: `${loans} funded ${loans === 1 ? "loan" : "loans"}`,
    },
    {
      label: `Time to decision (${windowDays} days)`,
      value: `p50 ${formatDuration(countedPercentile(times, 50))}`,
      detail: `p95 ${formatDuration(countedPercentile(times, 95))} · ${decided} decided`,
    },
    {
      label: "Review queue",
      value: (num(queueRow?.pending) + num(queueRow?.assigned)).toLocaleString("en-US"),
      detail: `${num(queueRow?.pending)} waiting, ${num(queueRow?.assigned)} assigned`,
    },
  ];

  const perDaySeries = fillDays(perDay, today, chartDays);
  const decisionData = decisionSeries(decisionCounts);
  const charts = [
    barChart({
      id: "chart-applications-per-day",
      title: `Applications per day, last ${chartDays} days (UTC)`,
      description: summarize(perDaySeries, {
        noun: "applications",
        period: `over the last ${chartDays} days`,
      }),
      data: perDaySeries,
      columns: ["Day", "Applications"],
    }),
    barChart({
      id: "chart-decisions-by-status",
      title: `Decisions by status, last ${windowDays} days`,
      description: summarize(decisionData, {
        noun: "applications decided",
        period: `over the last ${windowDays} days`,
      }),
      data: decisionData,
      columns: ["Status", "Applications"],
    }),
  ];

  const oldest = queueRow?.oldest;
  return {
    generatedAt: new Date(now).toISOString(),
    stats,
    charts,
    reviewQueue: {
      pending: num(queueRow?.pending),
      assigned: num(queueRow?.assigned),
      highPriority: num(queueRow?.high),
      oldestAgeMs: oldest === null || oldest === undefined ? null : now - Number(oldest),
    },
    partnerErrors: {
      jobs: jobs.map((row) => ({
        kind: String(row.kind),
        dead: num(row.dead),
        failing: num(row.failing),
      })),
      crm: crm.map((row) => ({
        crm: String(row.crm),
        operation: String(row.operation),
        errors: num(row.n),
      })),
    },
  };
}

import { sql } from "drizzle-orm";
import type { Database } from "~/db/client";
import { formatMoney } from "~/app/money/dollars";
import { barChart, summarize, type BarChartModel } from "./charts";
import {
  approvalRate,
  dayLabel,
  dayMs,
  decisionSeries,
  fillDays,
  formatDuration,
  formatPercent,
  utcDay,
} from "./dashboard";
import { awaitingFundingSql } from "./applications.server";
import {
  agingBuckets,
  applicationsLink,
  funnelRows,
  parseRange,
  type AgingBucketId,
  type DashboardRange,
  type FunnelRow,
} from "./dashboard-funnel";
import { countedPercentile } from "./rollups";
import { loadApplicationsPerDay, loadRollups } from "./rollups.server";

/**
 * The FlowOps dashboard (architecture "Metrics & Dashboards"): a handful of read-only queries
 * and the charts built from them on the server, over a range of UTC days (ADR 079). Every query
 * reads a bounded window through an index or the rollups — never history (ADRs 072, 079,
 * app/ops/query-plans.test.ts). Every tile links to the list of what it counts.
 */
export const windowDays = 30;
/** The per-day chart shows at most this many days (the range's last ones). */
export const chartDays = 90;

export type Stat = { label: string; value: string; detail?: string; href?: string };

export type PartnerErrors = {
  jobs: { kind: string; dead: number; failing: number; href: string }[];
  crm: { crm: string; operation: string; errors: number }[];
};

export type SplitTimes = {
  mode: "auto" | "manual";
  label: string;
  p50: string;
  p95: string;
  decided: number;
};

export type AgingRow = {
  id: AgingBucketId;
  label: string;
  count: number;
  amountCents: number;
  href: string;
};

export type MerchantRow = {
  merchantId: string;
  name: string;
  sent: number;
  signed: number;
  funded: number;
  fundedVolumeCents: number;
  conversion: string;
  href: string;
};

export type CrmFailure = {
  merchantId: string;
  merchantName: string;
  crm: string;
  operation: string;
  failuresSinceSuccess: number;
  lastError: string | null;
  lastFailureAt: string | null;
  lastSuccessAt: string | null;
};

export type Dashboard = {
  generatedAt: string;
  range: DashboardRange;
  stats: Stat[];
  funnel: (FunnelRow & { href: string })[];
  timeToDecision: SplitTimes[];
  fundingAging: AgingRow[];
  merchants: MerchantRow[];
  charts: BarChartModel[];
  reviewQueue: {
    pending: number;
    assigned: number;
    highPriority: number;
    oldestAgeMs: number | null;
  };
  partnerErrors: PartnerErrors;
  crmFailures: { merchants: number; rows: CrmFailure[]; href: string };
};

type Row = Record<string, unknown>;
const num = (value: unknown) => (value === null || value === undefined ? 0 : Number(value));
const iso = (value: unknown) =>
  value === null || value === undefined ? null : new Date(Number(value)).toISOString();

/** The default range: the last 30 UTC days, today included (as before ranges existed). */
export const defaultRange = (now: number) => parseRange(new URLSearchParams(), now).range;

export async function loadDashboard(
  database: Database,
  now = Date.now(),
  range: DashboardRange = defaultRange(now),
): Promise<Dashboard> {
  const db = database.db;
  const today = utcDay(now);
  const since24h = now - dayMs;
  const chartFrom = Math.max(range.fromDay, range.toDay - chartDays + 1);
  const chartLength = range.toDay - chartFrom + 1;
  const agingCase = sql.raw(
    `CASE ${agingBuckets
      .slice(1)
      .reverse()
      .map((b) => `WHEN age >= ${b.fromDays * dayMs} THEN '${b.id}'`)
      .join(" ")} ELSE 'd0' END`,
  );

  // All at once: each reads a bounded window (rollups, partial indexes), never history.
  const [todayRows, perDay, rollups, queueRow, jobs, crm, aging, merchantRows, failing] =
    await Promise.all([
      loadApplicationsPerDay(database, today, today),
      // The chart's days from the daily rollups (migration 0032).
      loadApplicationsPerDay(database, chartFrom, range.toDay),
      // The range's figures from the daily rollups (migrations 0031, 0036, ADRs 072, 079): each
      // application counts once, by its latest decision; a loan's amount is fixed when the
      // borrower signs; time to decision leaves out applications still in review; the funnel
      // counts the applications whose link was sent in the range by the furthest step reached.
      loadRollups(database, range.fromDay, range.toDay),
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
      // Signed but not funded, by how long ago the borrower signed: the partial index holds only
      // the applications waiting for their money now (current work, not history). The signing
      // time through a join, read once per row: as signedAtSql's scalar subquery, the bucket's
      // CASE ran it once per bucket tested (×28 at 1 M applications, ADR 089).
      db.all<Row>(
        sql`SELECT ${agingCase} AS bucket, count(*) AS n, sum(amount_cents) AS cents
            FROM (SELECT ${now} - coalesce(o.selected_at, "applications"."updated_at") AS age,
                "applications"."amount_cents" AS amount_cents
              FROM applications INDEXED BY applications_awaiting_funding_idx
              LEFT JOIN offers o ON o.id = "applications"."selected_offer_id"
              WHERE ${awaitingFundingSql})
            GROUP BY bucket`,
      ),
      // Top merchants in the range: one rollup row per merchant, day and figure (ADR 079).
      db.all<Row>(
        sql`SELECT r.merchant_id AS merchant_id, m.name AS name,
              sum(CASE WHEN r.metric = 'funnel' AND r.key = 'sent' THEN r.n ELSE 0 END) AS sent,
              sum(CASE WHEN r.metric = 'funnel' AND r.key = 'signed' THEN r.n ELSE 0 END) AS signed,
              sum(CASE WHEN r.metric = 'funnel' AND r.key = 'funded' THEN r.n ELSE 0 END) AS funded,
              sum(CASE WHEN r.metric = 'funded' THEN r.total ELSE 0 END) AS volume
            FROM merchant_daily_rollups r INDEXED BY merchant_daily_rollups_day_idx
            JOIN merchants m ON m.id = r.merchant_id
            WHERE r.metric IN ('funnel', 'funded') AND r.day BETWEEN ${range.fromDay} AND ${range.toDay}
            GROUP BY r.merchant_id
            ORDER BY volume DESC, sent DESC, name LIMIT ${topMerchants}`,
      ),
      // CRM calls failing since their last success, per merchant and operation (kept on write by
      // migration 0036's trigger, ADR 080): one row per merchant, CRM and operation.
      db.all<Row>(
        sql`SELECT h.merchant_id AS merchant_id, m.name AS name, h.crm AS crm,
              h.operation AS operation, h.failures_since_success AS failures,
              h.last_error AS last_error, h.last_failure_at AS last_failure_at,
              h.last_success_at AS last_success_at
            FROM crm_write_health h JOIN merchants m ON m.id = h.merchant_id
            WHERE h.failures_since_success > 0
            ORDER BY h.last_failure_at DESC`,
      ),
    ]);

  const decisionCounts = rollups.decisions;
  const rate = approvalRate({
    approved: decisionCounts.approved ?? 0,
    declined: decisionCounts.declined ?? 0,
  });
  const offers = rollups.offersSelected.count;
  const loans = rollups.loansFunded.count;
  const within = range.label;
  const inRange = (filter: Parameters<typeof applicationsLink>[0] = {}) =>
    applicationsLink({ range, ...filter });
  const timeToDecision = splitTimes(rollups.timesToDecisionAuto, rollups.timesToDecisionManual);

  const stats: Stat[] = [
    {
      label: "Applications today",
      value: (todayRows[0]?.count ?? 0).toLocaleString("en-US"),
      detail: "UTC day",
      href: applicationsLink({
        range: { ...range, from: isoDay(today), to: isoDay(today) },
      }),
    },
    {
      label: `Approval rate (${within})`,
      value: formatPercent(rate),
      detail: `${decisionCounts.approved ?? 0} approved, ${decisionCounts.declined ?? 0} declined`,
      href: inRange({ stage: "decided" }),
    },
    {
      label: `Average loan amount (${within})`,
      value:
        offers > 0 ? formatMoney(Math.round(rollups.offersSelected.amountCents / offers)) : "—",
      detail: `${offers} signed ${offers === 1 ? "agreement" : "agreements"}`,
      href: inRange({ stage: "signed" }),
    },
    {
      label: `Funded volume (${within})`,
      value: formatMoney(rollups.loansFunded.amountCents),
      detail: `${loans} funded ${loans === 1 ? "loan" : "loans"}`,
      href: inRange({ stage: "funded" }),
    },
    ...timeToDecision.map((t) => ({
      label: `${t.label} (${within})`,
      value: `p50 ${t.p50}`,
      detail: `p95 ${t.p95} · ${t.decided} decided`,
      href: inRange({ stage: "decided" }),
    })),
    {
      label: "Review queue",
      value: (num(queueRow?.pending) + num(queueRow?.assigned)).toLocaleString("en-US"),
      detail: `${num(queueRow?.pending)} waiting, ${num(queueRow?.assigned)} assigned`,
      href: applicationsLink({ status: "manual_review" }),
    },
  ];

  const perDaySeries = fillDays(perDay, range.toDay, chartLength);
  const decisionData = decisionSeries(decisionCounts);
  const charts = [
    barChart({
      id: "chart-applications-per-day",
      title: `Applications per day, ${chartLength} days to ${dayLabel(range.toDay)} (UTC)`,
      description: summarize(perDaySeries, {
        noun: "applications",
        period: `over ${chartLength} days`,
      }),
      data: perDaySeries,
      columns: ["Day", "Applications"],
    }),
    barChart({
      id: "chart-decisions-by-status",
      title: `Decisions by status, ${within}`,
      description: summarize(decisionData, {
        noun: "applications decided",
        period: within,
      }),
      data: decisionData,
      columns: ["Status", "Applications"],
    }),
  ];

  const agingBy = new Map(aging.map((row) => [String(row.bucket), row]));
  const oldest = queueRow?.oldest;
  return {
    generatedAt: new Date(now).toISOString(),
    range,
    stats,
    funnel: funnelRows(rollups.funnel).map((row) => ({
      ...row,
      href: row.step === "sent" ? inRange() : inRange({ stage: row.step }),
    })),
    timeToDecision,
    fundingAging: agingBuckets.map((bucket) => ({
      id: bucket.id,
      label: bucket.label,
      count: num(agingBy.get(bucket.id)?.n),
      amountCents: num(agingBy.get(bucket.id)?.cents),
      href: applicationsLink({ aging: bucket.id }),
    })),
    merchants: merchantRows.map((row) => ({
      merchantId: String(row.merchant_id),
      name: String(row.name),
      sent: num(row.sent),
      signed: num(row.signed),
      funded: num(row.funded),
      fundedVolumeCents: num(row.volume),
      conversion: formatPercent(num(row.sent) > 0 ? num(row.funded) / num(row.sent) : null),
      href: inRange({ merchantId: String(row.merchant_id) }),
    })),
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
        href: `/ops/jobs?kind=${encodeURIComponent(String(row.kind))}`,
      })),
      crm: crm.map((row) => ({
        crm: String(row.crm),
        operation: String(row.operation),
        errors: num(row.n),
      })),
    },
    crmFailures: {
      merchants: new Set(failing.map((row) => String(row.merchant_id))).size,
      rows: failing.slice(0, 20).map((row) => ({
        merchantId: String(row.merchant_id),
        merchantName: String(row.name),
        crm: String(row.crm),
        operation: String(row.operation),
        failuresSinceSuccess: num(row.failures),
        lastError: row.last_error === null ? null : String(row.last_error),
        lastFailureAt: iso(row.last_failure_at),
        lastSuccessAt: iso(row.last_success_at),
      })),
      href: "/ops/jobs?kind=sync-to-crm",
    },
  };
}

/** How many merchants the "by merchant" table lists. */
export const topMerchants = 10;

const isoDay = (day: number) => new Date(day * dayMs).toISOString().slice(0, 10);

/** p50/p95 of the engine's decisions and of the underwriters', each from its own rollup. */
export function splitTimes(
  auto: readonly { value: number; count: number }[],
  manual: readonly { value: number; count: number }[],
): SplitTimes[] {
  const one = (mode: SplitTimes["mode"], label: string, counted: typeof auto): SplitTimes => ({
    mode,
    label,
    p50: formatDuration(countedPercentile(counted, 50)),
    p95: formatDuration(countedPercentile(counted, 95)),
    decided: counted.reduce((sum, c) => sum + c.count, 0),
  });
  return [
    one("auto", "Time to decision, automatic", auto),
    one("manual", "Time to decision, manual review", manual),
  ];
}

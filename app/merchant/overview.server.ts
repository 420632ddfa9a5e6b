import { sql } from "drizzle-orm";
import type { Database, Tx } from "~/db/client";
import type { ApplicationStatus } from "~/db/schema/applications";
import { funnelSteps, type FunnelStep } from "~/app/ops/dashboard-funnel";

type Reader = Database["db"] | Tx;

/**
 * The merchant portal's overview figures from the per-merchant daily rollups (ADR 079,
 * db/schema/rollups.ts `merchant_daily_rollups`, kept by migration 0036's triggers in the write
 * transactions): applications by status, the funnel and the funded totals of one merchant read a
 * few rows per day of its history — never one row per application. Scoped by the merchant id the
 * caller's portal scope holds (ADR 060); app/merchant/overview.server.test.ts compares every
 * figure with a count over the merchant's applications and loans.
 */
export type Overview = {
  statusCounts: Partial<Record<ApplicationStatus, number>>;
  /** Applications that reached at least each step (links sent → … → funded). */
  funnel: Record<FunnelStep, number>;
  funded: { loans: number; volumeCents: number; feesCents: number };
};

type Row = { metric: string; key: string; n: number; total: number };

export async function merchantOverview(reader: Reader, merchantId: string): Promise<Overview> {
  const rows = await reader.all<Row>(
    sql`SELECT metric, key, sum(n) AS n, sum(total) AS total FROM merchant_daily_rollups
        WHERE merchant_id = ${merchantId} AND metric IN ('status', 'funnel', 'funded', 'funded_fee')
        GROUP BY metric, key`,
  );
  const overview: Overview = {
    statusCounts: {},
    funnel: Object.fromEntries(funnelSteps.map((step) => [step, 0])) as Record<FunnelStep, number>,
    funded: { loans: 0, volumeCents: 0, feesCents: 0 },
  };
  for (const row of rows) {
    const n = Number(row.n);
    const total = Number(row.total);
    if (row.metric === "status") {
      if (n > 0) overview.statusCounts[row.key as ApplicationStatus] = n;
    } else if (row.metric === "funnel") {
      if ((funnelSteps as readonly string[]).includes(row.key))
        overview.funnel[row.key as FunnelStep] = n;
    } else if (row.metric === "funded") {
      overview.funded.loans = n;
      overview.funded.volumeCents = total;
    } else overview.funded.feesCents = total;
  }
  return overview;
}

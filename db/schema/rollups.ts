import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * Daily figures for the FlowOps dashboard (ADR 072), kept current by triggers in the same write
 * transactions that change the rows they count (migrations 0031, 0032): the dashboard adds up 30 rows
 * per figure instead of reading 30 days of history. `day` is the UTC day number (ms ÷ 86,400,000).
 *
 * metric / key / n / total:
 * - `application` / '' / applications created that day (migration 0032) / unused
 * - `decision` / status / applications whose latest decision, made that day, has that status
 * - `offer_selected` / '' / offers selected that day / sum of their amount financed (cents)
 * - `loan_funded` / '' / loans funded that day (status funded) / sum of funded amount (cents)
 * - `time_to_decision` / duration in ms at display precision (app/ops/rollups.ts) / applications
 *   decided that day, submitted before, not in manual review / unused
 * - `ttd_auto`, `ttd_manual` / the same duration key / applications whose latest decision, made
 *   that day, is the engine's approval or decline (auto) or an underwriter's (manual) — migration
 *   0036, ADR 079 / unused
 * - `funnel` / step (sent, opened, submitted, decided, signed, funded) / applications created that
 *   day that reached at least that step (migration 0036, ADR 079) / unused
 */
export const dailyRollups = sqliteTable(
  "daily_rollups",
  {
    metric: text("metric").notNull(),
    day: integer("day").notNull(),
    key: text("key").notNull(),
    n: integer("n").notNull().default(0),
    total: integer("total").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.metric, t.day, t.key] })],
);

/**
 * The same, per merchant (ADR 079, migration 0036): the merchant portal's overview and the
 * dashboard's "by merchant" read these instead of a merchant's applications.
 *
 * metric / key / n / total:
 * - `status` / status / applications created that day now in that status / their amount (cents)
 * - `funnel` / step / applications created that day that reached at least that step / unused
 * - `funded` / '' / loans funded that day (funded_at set, whatever their later status) / funded
 *   amount (cents)
 * - `funded_fee` / '' / the same loans / their merchant fees (cents)
 */
export const merchantDailyRollups = sqliteTable(
  "merchant_daily_rollups",
  {
    merchantId: text("merchant_id").notNull(),
    metric: text("metric").notNull(),
    day: integer("day").notNull(),
    key: text("key").notNull(),
    n: integer("n").notNull().default(0),
    total: integer("total").notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.merchantId, t.metric, t.day, t.key] }),
    // "Top merchants in the range": one entry per merchant and day, never an application.
    index("merchant_daily_rollups_day_idx").on(t.metric, t.day, t.merchantId, t.key, t.n, t.total),
  ],
);

/**
 * Each merchant's CRM calls by operation (note/create, …) as the CRM card shows them (ADR 080),
 * kept by a trigger on crm_sync_logs (migration 0036): the last success, the last failure and its
 * error, and the failures since that operation's last success — per operation, so reads that
 * succeed never hide notes that fail. The card and the dashboard never read the call log.
 */
export const crmWriteHealth = sqliteTable(
  "crm_write_health",
  {
    merchantId: text("merchant_id").notNull(),
    crm: text("crm").notNull(),
    lastSuccessAt: integer("last_success_at"),
    lastFailureAt: integer("last_failure_at"),
    lastError: text("last_error"),
    operation: text("operation").notNull(),
    failuresSinceSuccess: integer("failures_since_success").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.merchantId, t.crm, t.operation] })],
);

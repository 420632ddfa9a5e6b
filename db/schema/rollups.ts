import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

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

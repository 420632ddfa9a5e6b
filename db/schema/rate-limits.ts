import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * Request counters shared by every process on the database (ADR 084): one row per rate-limited
 * key (a limiter's name and the caller: `crm-write|key:…`, `crm-read|ip:…`) and fixed one-minute
 * window. `used` only grows within a window, up to the limit, in whole leases a process takes
 * through the write queue; `granted` is what the last lease got (0: the window is spent). Rows of
 * past windows are pruned by the processes themselves.
 */
export const rateLimitWindows = sqliteTable(
  "rate_limit_windows",
  {
    key: text("key").notNull(),
    /** The window's start (ms since the epoch, a whole minute). */
    windowStart: integer("window_start").notNull(),
    used: integer("used").notNull(),
    granted: integer("granted").notNull(),
  },
  (t) => [primaryKey({ columns: [t.key, t.windowStart] })],
);

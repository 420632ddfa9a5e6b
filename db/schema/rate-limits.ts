import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * Request counters shared by every process on the database (ADR 084): one row per rate-limited
 * key (a limiter's name and the caller: `crm-write|key:…`, `crm-read|ip:…`): its current one-minute
 * window, which starts with the key's first request after the previous one ended (as the
 * per-process limiter's did). `used` only grows within a window, up to the limit, in whole leases
 * a process takes through the write queue; `granted` is what the last lease got (0: the window is
 * spent). Rows of ended windows are pruned by the processes themselves (migration 0040 made the
 * key alone the primary key).
 */
export const rateLimitWindows = sqliteTable(
  "rate_limit_windows",
  {
    key: text("key").primaryKey(),
    /** The window's start (ms since the epoch): the key's first request in it. */
    windowStart: integer("window_start").notNull(),
    used: integer("used").notNull(),
    granted: integer("granted").notNull(),
  },
  (t) => [index("rate_limit_windows_start_idx").on(t.windowStart)],
);

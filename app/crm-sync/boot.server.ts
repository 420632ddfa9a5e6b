import type { Database } from "~/db/client";
import { logger } from "~/app/observability/logger.server";
import { ensureDemoCrmConnection } from "./connections.server";
import { schedulePoll } from "./poll.server";

/** First poll this long after boot (then every CRM_POLL_INTERVAL_MS). */
const firstPollDelayMs = 60_000;

/**
 * At boot: the demo merchant's sandbox FieldRoutes connection (when the demo is seeded), and a
 * pending poll-crm job (kept if one is already pending).
 */
export async function bootCrmSync(database: Database, options: { demoMerchantSlug?: string }) {
  if (
    options.demoMerchantSlug &&
    (await ensureDemoCrmConnection(database, options.demoMerchantSlug))
  ) {
    logger.info("demo merchant connected to the sandbox CRM");
  }
  await schedulePoll(database, firstPollDelayMs, "dedupe");
}

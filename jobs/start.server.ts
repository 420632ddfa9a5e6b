import type { Database } from "~/db/client";
import type { Env } from "~/app/config/env.server";
import { createAppJobRegistry } from "./handlers/index";
import { sendSmsJob } from "./handlers/send-sms.definition";
import { syncToCrmJob } from "./handlers/sync-to-crm.definition";
import type { JobRegistry } from "./registry";
import { JobRunner } from "./runner.server";
import { retentionRules, type RetentionSettings } from "~/app/retention/policy";
import { applyRetention } from "~/app/retention/prune.server";
import { compactStoredRows } from "~/app/storage/compact.server";
import { logger } from "~/app/observability/logger.server";
import { crmSyncRateLimit, smsRateLimit } from "./throughput";
import { singleton } from "~/app/singleton.server";

type RunnerEnv = Pick<
  Env,
  | "JOB_CONCURRENCY"
  | "JOB_POLL_INTERVAL_MS"
  | "JOB_LEASE_MS"
  | "JOB_BATCH_SIZE"
  | "JOB_RETENTION_DAYS"
  | "SMS_SENDER_TYPE"
  | "SMS_SENDER_COUNT"
  | "SMS_RATE_PER_SECOND"
  | "CRM_SYNC_RATE_PER_MINUTE"
>;

/** The app's job kinds with the rate limits this configuration allows (jobs/throughput.ts). */
export function appJobRegistry(env: RunnerEnv): JobRegistry {
  return createAppJobRegistry()
    .withRateLimit(
      sendSmsJob.kind,
      smsRateLimit({
        senderType: env.SMS_SENDER_TYPE,
        senders: env.SMS_SENDER_COUNT,
        perSecondOverride: env.SMS_RATE_PER_SECOND,
      }),
    )
    .withRateLimit(syncToCrmJob.kind, crmSyncRateLimit(env.CRM_SYNC_RATE_PER_MINUTE));
}

/**
 * Starts the server process's job runner, once per process: a dev rebuild that boots again
 * gets the running one back (a process singleton, like the database handle).
 */
export function startJobRunner(
  database: Database,
  env: RunnerEnv &
    RetentionSettings &
    Pick<Env, "RETENTION_INTERVAL_MINUTES" | "RETENTION_BATCH_SIZE">,
): JobRunner {
  return singleton("jobRunner", () =>
    new JobRunner({
      database,
      registry: appJobRegistry(env),
      concurrency: env.JOB_CONCURRENCY,
      pollIntervalMs: env.JOB_POLL_INTERVAL_MS,
      leaseMs: env.JOB_LEASE_MS,
      batchSize: env.JOB_BATCH_SIZE,
      retentionMs: env.JOB_RETENTION_DAYS * 24 * 3600_000,
      // One maintenance round prunes completed jobs, then the retention rules (ADR 042).
      pruneIntervalMs: env.RETENTION_INTERVAL_MINUTES * 60_000,
      maintenance: async (now, stopping) => {
        const run = await applyRetention(database, retentionRules(env), {
          now,
          batchSize: env.RETENTION_BATCH_SIZE,
          shouldStop: stopping,
        });
        if (Object.values(run.pruned).some((n) => n > 0)) {
          logger.info({ component: "retention", ...run }, "pruned expired records");
        }
        // Rows stored before compression, compressed in place (ADR 085); once done, one probe.
        const compaction = await compactStoredRows(database, { shouldStop: stopping });
        if (Object.values(compaction.compacted).some((n) => n > 0)) {
          logger.info({ component: "storage", ...compaction }, "compressed stored rows");
        }
      },
    }).start(),
  );
}

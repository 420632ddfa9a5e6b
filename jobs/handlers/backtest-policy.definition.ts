import { z } from "zod";
import { defineJob, jobPriority } from "~/jobs/registry";

/**
 * A back-test too big for a request (app/ops/policy-backtest.server.ts, ADR 070): replays the
 * policy_backtests row's window of decisions with the draft and stores progress as it goes.
 * Job key: the back-test's id (one job per run). Idempotent: a retry starts the run over.
 */
export const backtestPolicyJob = defineJob({
  kind: "backtest-policy",
  schema: z.object({ backtestId: z.string().min(1) }),
  priority: jobPriority.notification,
  maxAttempts: 3,
  timeoutMs: 240_000,
});

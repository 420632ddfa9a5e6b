import { runBacktest } from "~/app/ops/policy-backtest.server";
import type { JobHandler } from "~/jobs/registry";
import type { backtestPolicyJob } from "./backtest-policy.definition";

/** Runs a queued back-test to its end (its progress is on the FlowOps policy page). */
export const handleBacktestPolicy: JobHandler<typeof backtestPolicyJob.schema> = async (
  payload,
  context,
) => {
  const run = await runBacktest(context.database, payload.backtestId, { signal: context.signal });
  context.logger.info({ backtestId: payload.backtestId, ...run }, "policy back-test finished");
};

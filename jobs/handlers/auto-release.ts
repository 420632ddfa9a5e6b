import { autoRelease } from "~/app/lending/release.server";
import type { JobHandler } from "~/jobs/registry";
import type { autoReleaseJob } from "./auto-release.definition";

/** Releases the payment of a loan whose borrower stayed silent for 7 days (ADR 050). */
export const handleAutoRelease: JobHandler<typeof autoReleaseJob.schema> = async (
  payload,
  context,
) => {
  const outcome = await autoRelease(context.database, payload.loanId);
  context.logger.info({ loan_id: payload.loanId, ...outcome }, "auto-release done");
};

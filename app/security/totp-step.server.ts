import { and, eq, isNull, lt, or } from "drizzle-orm";
import type { Tx } from "~/db/client";
import type { merchantUsers, operators } from "~/db/schema/index";

/**
 * Records `step` as the account's last accepted TOTP time step, in `tx` — only if it is later
 * than the one recorded. False when it is not: the code (or an earlier one) was already used,
 * maybe by a concurrent request. The conditional UPDATE is the lock: of two requests with one
 * code, exactly one moves the step (RFC 6238 §5.2). One copy for operators (FlowOps) and
 * merchant users (the portal's optional TOTP), whose tables carry the same `totp_last_step`.
 */
export async function claimTotpStep(
  tx: Tx,
  table: typeof operators | typeof merchantUsers,
  id: string,
  step: number,
) {
  const claimed = await tx
    .update(table)
    .set({ totpLastStep: step })
    .where(and(eq(table.id, id), or(isNull(table.totpLastStep), lt(table.totpLastStep, step))))
    .returning({ id: table.id });
  return claimed.length === 1;
}

/**
 * A merchant's CRM write-backs as its CRM card shows them (ADR 080), pure and tested: whether
 * writes are failing, how many since the last success, the last error and the last success —
 * from crm_write_health (one row per merchant, CRM and operation, kept on write by migration
 * 0036's trigger on crm_sync_logs). Browser-safe: the FlowOps and portal cards render it.
 *
 * Per operation, because a CRM whose reads succeed while every note fails is failing: one
 * operation's success never clears another's failures.
 */
export type OperationHealth = {
  operation: string;
  failuresSinceSuccess: number;
  lastError: string | null;
  lastFailureAt: number | null;
  lastSuccessAt: number | null;
};

export type WriteHealth = {
  crm: string;
  /** Some operation failed since its last success (or never succeeded). */
  failing: boolean;
  /** Failures since each operation's last success, added up. */
  failuresSinceSuccess: number;
  /** Failed calls of the last 24 hours (every operation). */
  failuresLast24h: number;
  /** The most recent failure's error, whatever its operation. */
  lastError: string | null;
  lastFailureAt: number | null;
  /** The most recent success of any operation (null: none yet). */
  lastSuccessAt: number | null;
  /** Failing operations first, then by their last call. */
  operations: OperationHealth[];
};

const latest = (values: (number | null)[]) =>
  values.reduce<number | null>(
    (max, v) => (v !== null && (max === null || v > max) ? v : max),
    null,
  );

export function summarizeHealth(
  crm: string,
  operations: readonly OperationHealth[],
  failuresLast24h: number,
): WriteHealth {
  const failingOps = operations.filter((op) => op.failuresSinceSuccess > 0);
  const lastFailureAt = latest(operations.map((op) => op.lastFailureAt));
  const lastFailure = operations.find(
    (op) => op.lastFailureAt !== null && op.lastFailureAt === lastFailureAt,
  );
  const lastCall = (op: OperationHealth) => latest([op.lastFailureAt, op.lastSuccessAt]) ?? 0;
  return {
    crm,
    failing: failingOps.length > 0,
    failuresSinceSuccess: failingOps.reduce((sum, op) => sum + op.failuresSinceSuccess, 0),
    failuresLast24h,
    lastError: lastFailure?.lastError ?? null,
    lastFailureAt,
    lastSuccessAt: latest(operations.map((op) => op.lastSuccessAt)),
    operations: [...operations].sort(
      (a, b) =>
        Number(b.failuresSinceSuccess > 0) - Number(a.failuresSinceSuccess > 0) ||
        lastCall(b) - lastCall(a),
    ),
  };
}

/**
 * What the card's status says: the connection's own status, and — whatever it is — that
 * write-backs are failing when they are. Never "connected" alone while writes fail.
 */
export function connectionStatusLabel(status: string, health: WriteHealth | undefined): string {
  if (!health?.failing) return status;
  const n = health.failuresSinceSuccess;
  return `${status} · write-backs failing (${n} ${n === 1 ? "failure" : "failures"} since the last success)`;
}

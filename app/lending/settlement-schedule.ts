/**
 * When the daily reconciliation runs (ADR 056), pure: each day at RECONCILIATION_HOUR_UTC it
 * reconciles the UTC day before — late enough for that day's lender events to have arrived,
 * early enough for FlowOps to see the differences the same morning.
 */

/** The UTC day of `date` as YYYY-MM-DD. */
export function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** A settlement date's window in the ledger: [00:00, next 00:00) UTC. */
export function settlementWindow(date: string): { from: Date; to: Date } {
  const from = new Date(`${date}T00:00:00Z`);
  if (Number.isNaN(from.getTime()) || utcDay(from) !== date) {
    throw new RangeError(`${JSON.stringify(date)} is not a YYYY-MM-DD date`);
  }
  return { from, to: new Date(from.getTime() + 86_400_000) };
}

/** The day before `date` (YYYY-MM-DD). */
export function previousDay(date: string): string {
  return utcDay(new Date(settlementWindow(date).from.getTime() - 86_400_000));
}

/** The next scheduled run strictly after `now`, and the settlement date it reconciles. */
export function nextReconciliationRun(now: Date, hourUtc: number): { runAt: Date; date: string } {
  const today = new Date(
    Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), hourUtc),
  );
  const runAt = today > now ? today : new Date(today.getTime() + 86_400_000);
  return { runAt, date: previousDay(utcDay(runAt)) };
}

/** At most this many days before the scheduled one are caught up (a service down for a while). */
export const catchUpDays = 7;

/**
 * The dates a scheduled run reconciles: its own, and the days since the lender's last
 * reconciled date that no run covered (a process that was down), oldest first, at most
 * `catchUpDays` before `date`. Without an earlier run, only `date`.
 */
export function datesToReconcile(lastReconciled: string | null, date: string): string[] {
  const dates = [date];
  if (!lastReconciled) return dates;
  let day = previousDay(date);
  while (day > lastReconciled && dates.length <= catchUpDays) {
    dates.unshift(day);
    day = previousDay(day);
  }
  return dates;
}

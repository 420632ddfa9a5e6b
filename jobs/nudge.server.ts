/**
 * In-process wake-ups for the job runner. SQLite has no LISTEN/NOTIFY, so a runner polls; an
 * enqueue in this process also nudges it. The nudge may fire before the enqueuing transaction
 * commits: that is safe, because the runner's claim goes through the same write queue as that
 * transaction (database.serialized), so it runs after the commit (or rollback) — see ADR 012.
 */
import { singleton } from "~/app/singleton.server";

type Waker = () => void;

const wakers = singleton("jobWakers", () => new Set<Waker>());

/** Registers a runner's wake-up; returns the function that unregisters it. */
export function onNudge(waker: Waker): () => void {
  wakers.add(waker);
  return () => wakers.delete(waker);
}

/** Wakes every runner of this process (cheap; a no-op without one). */
export function nudgeRunner() {
  for (const wake of wakers) wake();
}

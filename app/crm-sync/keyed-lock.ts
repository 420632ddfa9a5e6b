/**
 * One at a time per key, in this process: `serialized(key, work)` runs `work` after every
 * earlier work of the same key has settled. For read-modify-write against a partner that has
 * no conditional update (a FieldRoutes appointment's notes) and for OAuth refreshes (rotating
 * refresh tokens). Other processes are not covered: callers say what they do about that.
 */
import { singleton } from "~/app/singleton.server";

const locks = singleton("keyedLocks", () => new Map<string, Promise<unknown>>());

export function serialized<T>(key: string, work: () => Promise<T>): Promise<T> {
  const previous = locks.get(key) ?? Promise.resolve();
  const next = previous.then(work, work);
  const settled = next.catch(() => undefined);
  locks.set(key, settled);
  void settled.then(() => {
    if (locks.get(key) === settled) locks.delete(key);
  });
  return next;
}

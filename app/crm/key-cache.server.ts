import type { apiKeys, merchants } from "~/db/schema/index";
import { singleton } from "~/app/singleton.server";

/**
 * Keys that authenticated recently, with their merchant, remembered for a few seconds: every CRM
 * request would otherwise read the key and merchant rows (a join that cost ≈0.4 ms per request,
 * the largest read of the intake path — ADR 017). Only successful lookups are kept, so a wrong
 * key always reaches the database (behind the per-IP rate limit). Expiry is still checked on each
 * use. Changes made in this process (revoke, rotate, merchant edits and suspension) clear the
 * cache at once; a change made by another process (the CLI) applies within `keyCacheMs`.
 */
export type KeyRow = {
  api_keys: typeof apiKeys.$inferSelect;
  merchants: typeof merchants.$inferSelect;
};

export const keyCacheMs = 5_000;
const maxEntries = 10_000;

const cache = singleton("keyCache", () => new Map<string, { row: KeyRow; until: number }>());

export function rememberedKey(keyHash: string, now: number): KeyRow | undefined {
  const entry = cache.get(keyHash);
  if (!entry) return undefined;
  if (entry.until <= now) {
    cache.delete(keyHash);
    return undefined;
  }
  return entry.row;
}

export function rememberKey(keyHash: string, row: KeyRow, now: number) {
  if (cache.size >= maxEntries) cache.clear();
  cache.set(keyHash, { row, until: now + keyCacheMs });
}

/** Call after a committed change to a key or a merchant. */
export function forgetAuthenticatedKeys() {
  cache.clear();
}

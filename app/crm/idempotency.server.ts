import { and, eq } from "drizzle-orm";
import type { Tx } from "../../db/client";
import { idempotencyKeys } from "../../db/schema/index";
import { getCipher } from "~/security/encryption.server";
import { sha256Hex } from "~/security/hash.server";

const responseContext = "idempotency_keys.response_body";

export const idempotencyWindowMs = 24 * 60 * 60 * 1000;

/** JSON with sorted keys, so the same body re-serialised in another key order hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export const requestHash = (body: unknown) => sha256Hex(canonicalJson(body));

export type StoredResponse = { status: number; body: string };

/**
 * Looks the key up inside the caller's write transaction (so two concurrent requests with one
 * key are serialised: the second sees the first's committed answer).
 */
export async function findIdempotent(
  tx: Tx,
  merchantId: string,
  key: string,
  hash: string,
  now = Date.now(),
): Promise<{ kind: "replay"; response: StoredResponse } | { kind: "conflict" } | { kind: "new" }> {
  const row = await tx
    .select()
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.merchantId, merchantId), eq(idempotencyKeys.key, key)))
    .get();
  if (!row) return { kind: "new" };
  if (row.createdAt.getTime() + idempotencyWindowMs <= now) {
    await tx
      .delete(idempotencyKeys)
      .where(and(eq(idempotencyKeys.merchantId, merchantId), eq(idempotencyKeys.key, key)));
    return { kind: "new" };
  }
  if (row.requestHash !== hash) return { kind: "conflict" };
  const body = getCipher().decrypt(row.responseBody, responseContext);
  return { kind: "replay", response: { status: row.responseStatus, body } };
}

export async function storeIdempotent(
  tx: Tx,
  merchantId: string,
  key: string,
  hash: string,
  response: StoredResponse,
  now = Date.now(),
) {
  await tx.insert(idempotencyKeys).values({
    merchantId,
    key,
    requestHash: hash,
    responseStatus: response.status,
    // Encrypted: the first answer carries the borrower's link token, which we never store in clear.
    responseBody: getCipher().encrypt(response.body, responseContext),
    createdAt: new Date(now),
  });
}

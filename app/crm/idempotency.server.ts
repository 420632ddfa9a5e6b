import type { Row, Step, StepArg } from "~/db/native-writer.mjs";
import { apiError } from "~/app/api/errors.server";
import { ApiFailure } from "~/app/api/body.server";
import { getCipher } from "~/app/security/encryption.server";
import { sha256Hex } from "~/app/security/hash.server";

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

type StoredRow = { request_hash: string; response_status: number; response_body: string };

/**
 * The first step of a write program that honours an Idempotency-Key (ADR 019): the key's record,
 * if one younger than the window exists — and then the program stops there, writing nothing.
 * It runs inside the program's write transaction, so two concurrent requests with one key are
 * serialised: the second sees the first's committed answer.
 */
export function idempotencyLookupStep(merchantId: string, key: string, now = Date.now()): Step {
  return {
    sql: `SELECT request_hash, response_status, response_body FROM idempotency_keys
      WHERE merchant_id = ? AND key = ? AND created_at > ?`,
    args: [merchantId, key, now - idempotencyWindowMs],
    returns: true,
    returnIfRow: true,
    name: "idempotency",
  };
}

/** What a record found by the lookup means for a request whose body hashes to `hash`. */
export function idempotentAnswer(
  row: Row,
  hash: string,
): { kind: "replay"; response: StoredResponse } | { kind: "conflict" } {
  const stored = row as StoredRow;
  if (stored.request_hash !== hash) return { kind: "conflict" };
  const body = getCipher().decrypt(stored.response_body, responseContext);
  return { kind: "replay", response: { status: stored.response_status, body } };
}

/**
 * A found key's answer: the stored response, replayed — or, when the key came with another
 * request, docs/product/api.md's 409 `idempotency_conflict`. Every CRM write that takes a key
 * answers a found one so (offer-financing, prequalifications, complete).
 */
export function replayOrConflict(
  row: Row,
  hash: string,
  conflict = "This Idempotency-Key was already used with a different body",
): StoredResponse & { replayed: true } {
  const found = idempotentAnswer(row, hash);
  if (found.kind === "conflict") {
    throw new ApiFailure(apiError("idempotency_conflict", conflict));
  }
  return { ...found.response, replayed: true };
}

/**
 * The last step: records the answer under the key, replacing a record older than the window.
 * With `choice`, the answer depends on a flag an earlier step of the program read (e.g. whether
 * the number opted out): `response` when it is 0, `choice.response` when it is 1.
 */
export function idempotencyStoreStep(
  merchantId: string,
  key: string,
  hash: string,
  response: StoredResponse,
  now = Date.now(),
  choice?: { when: StepArg; response: StoredResponse },
): Step {
  const encrypt = (body: string) => getCipher().encrypt(body, responseContext);
  if (choice && choice.response.status !== response.status) {
    throw new TypeError("Both possible answers must have the same status");
  }
  return {
    sql: `INSERT INTO idempotency_keys
        (merchant_id, key, request_hash, response_status, response_body, created_at)
      VALUES (?, ?, ?, ?, ${choice ? "CASE WHEN ? THEN ? ELSE ? END" : "?"}, ?)
      ON CONFLICT (merchant_id, key) DO UPDATE SET request_hash = excluded.request_hash,
        response_status = excluded.response_status, response_body = excluded.response_body,
        created_at = excluded.created_at
      WHERE idempotency_keys.created_at <= ?`,
    args: [
      merchantId,
      key,
      hash,
      response.status,
      // Encrypted: the first answer carries the borrower's link token, never stored in clear.
      ...(choice ? [choice.when, encrypt(choice.response.body)] : []),
      encrypt(response.body),
      now,
      now - idempotencyWindowMs,
    ],
  };
}

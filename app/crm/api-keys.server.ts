import { randomBytes } from "node:crypto";
import { and, eq, isNull } from "drizzle-orm";
import type { Database } from "~/db/client";
import { newId } from "~/db/ids";
import { apiKeys, merchants } from "~/db/schema/index";
import { audit, type AuditEntry } from "~/app/audit/audit.server";
import { sha256Hex } from "~/app/security/hash.server";
import { forgetAuthenticatedKeys, rememberKey, rememberedKey } from "./key-cache.server";

export const defaultKeyLifetimeDays = 90;
const dayMs = 24 * 60 * 60 * 1000;

export type CreatedApiKey = {
  id: string;
  /** The whole key: shown once, never stored. */
  key: string;
  displayPrefix: string;
  merchantId: string;
  mode: "live" | "test";
  expiresAt: Date;
};

export class NotFoundError extends Error {
  override name = "NotFoundError";
}

/** `fp_live_…` / `fp_test_…` followed by 192 random bits, so a leaked key is recognisable. */
export function generateApiKey(mode: "live" | "test") {
  return `fp_${mode}_${randomBytes(24).toString("base64url")}`;
}

export async function createApiKey(
  database: Database,
  input: {
    merchantSlug: string;
    mode?: "live" | "test";
    name?: string;
    expiresInDays?: number;
    actor: Pick<AuditEntry, "actorType" | "actorId" | "ip" | "userAgent">;
  },
): Promise<CreatedApiKey> {
  const mode = input.mode ?? "test";
  const key = generateApiKey(mode);
  const now = Date.now();
  const expiresAt = new Date(now + (input.expiresInDays ?? defaultKeyLifetimeDays) * dayMs);
  return database.write(async (tx) => {
    const merchant = await tx.query.merchants.findFirst({
      where: eq(merchants.slug, input.merchantSlug),
    });
    if (!merchant) throw new NotFoundError(`No merchant with slug "${input.merchantSlug}"`);
    const id = newId("key", now);
    const displayPrefix = key.slice(0, 12);
    await tx.insert(apiKeys).values({
      id,
      merchantId: merchant.id,
      name: input.name ?? "default",
      mode,
      displayPrefix,
      keyHash: sha256Hex(key),
      expiresAt,
      createdBy: input.actor.actorId ?? null,
    });
    await audit(tx, {
      ...input.actor,
      action: "api_key.create",
      entityType: "api_key",
      entityId: id,
      details: { merchant_id: merchant.id, mode, expires_at: expiresAt.toISOString() },
    });
    return { id, key, displayPrefix, merchantId: merchant.id, mode, expiresAt };
  });
}

export async function revokeApiKey(
  database: Database,
  id: string,
  actor: Pick<AuditEntry, "actorType" | "actorId" | "ip" | "userAgent">,
) {
  const result = await database.write(async (tx) => {
    const revoked = await tx
      .update(apiKeys)
      .set({ revokedAt: new Date() })
      .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
      .returning({ id: apiKeys.id, merchantId: apiKeys.merchantId });
    if (revoked.length === 0) {
      const existing = await tx.query.apiKeys.findFirst({ where: eq(apiKeys.id, id) });
      if (!existing) throw new NotFoundError(`No API key with id "${id}"`);
      return { id, alreadyRevoked: true };
    }
    await audit(tx, { ...actor, action: "api_key.revoke", entityType: "api_key", entityId: id });
    return { id, alreadyRevoked: false };
  });
  forgetAuthenticatedKeys();
  return result;
}

export const defaultRotationOverlapHours = 24;

/**
 * Rotation: a new key for the same merchant; the old one keeps working for the overlap window
 * (so the CRM can switch without downtime), then expires.
 */
export async function rotateApiKey(
  database: Database,
  id: string,
  input: {
    overlapHours?: number;
    actor: Pick<AuditEntry, "actorType" | "actorId" | "ip" | "userAgent">;
  },
): Promise<CreatedApiKey & { oldKeyExpiresAt: Date }> {
  const now = Date.now();
  const overlapEnd = new Date(
    now + (input.overlapHours ?? defaultRotationOverlapHours) * 60 * 60 * 1000,
  );
  const result = await database.write(async (tx) => {
    const old = await tx.query.apiKeys.findFirst({ where: eq(apiKeys.id, id) });
    if (!old || old.revokedAt || old.expiresAt.getTime() <= now) {
      throw new NotFoundError(`No active API key with id "${id}"`);
    }
    const key = generateApiKey(old.mode);
    const newKeyId = newId("key", now);
    const expiresAt = new Date(now + defaultKeyLifetimeDays * dayMs);
    const oldKeyExpiresAt = old.expiresAt < overlapEnd ? old.expiresAt : overlapEnd;
    await tx.insert(apiKeys).values({
      id: newKeyId,
      merchantId: old.merchantId,
      name: old.name,
      mode: old.mode,
      displayPrefix: key.slice(0, 12),
      keyHash: sha256Hex(key),
      expiresAt,
      rotatedFromId: old.id,
      createdBy: input.actor.actorId ?? null,
    });
    await tx.update(apiKeys).set({ expiresAt: oldKeyExpiresAt }).where(eq(apiKeys.id, old.id));
    await audit(tx, {
      ...input.actor,
      action: "api_key.rotate",
      entityType: "api_key",
      entityId: old.id,
      details: { new_key_id: newKeyId, old_key_expires_at: oldKeyExpiresAt.toISOString() },
    });
    return {
      id: newKeyId,
      key,
      displayPrefix: key.slice(0, 12),
      merchantId: old.merchantId,
      mode: old.mode,
      expiresAt,
      oldKeyExpiresAt,
    };
  });
  forgetAuthenticatedKeys();
  return result;
}

export type AuthenticatedKey = {
  keyId: string;
  mode: "live" | "test";
  merchant: typeof merchants.$inferSelect;
};

/** last_used_at is written at most once a minute per key, so every API call is not a write. */
const lastUsedWritten = new Map<string, number>();
const lastUsedIntervalMs = 60_000;

/**
 * The key's merchant, or why not: unknown, revoked and expired keys look the same to the caller
 * (401), a suspended merchant is 403.
 */
export async function authenticateApiKey(
  database: Database,
  presented: string,
): Promise<AuthenticatedKey | "invalid" | "merchant_suspended"> {
  if (!/^fp_(live|test)_[\w-]{20,64}$/.test(presented)) return "invalid";
  const keyHash = sha256Hex(presented);
  const now = Date.now();
  let row = rememberedKey(keyHash, now);
  if (!row) {
    row = await database.db
      .select()
      .from(apiKeys)
      .innerJoin(merchants, eq(merchants.id, apiKeys.merchantId))
      .where(eq(apiKeys.keyHash, keyHash))
      .get();
    if (row) rememberKey(keyHash, row, now);
  }
  if (!row || row.api_keys.revokedAt || row.api_keys.expiresAt.getTime() <= now) return "invalid";
  if (row.merchants.status !== "active") return "merchant_suspended";
  const keyId = row.api_keys.id;
  if (now - (lastUsedWritten.get(keyId) ?? 0) > lastUsedIntervalMs) {
    lastUsedWritten.set(keyId, now);
    await database.write((tx) =>
      tx
        .update(apiKeys)
        .set({ lastUsedAt: new Date(now) })
        .where(eq(apiKeys.id, keyId)),
    );
  }
  return { keyId, mode: row.api_keys.mode, merchant: row.merchants };
}

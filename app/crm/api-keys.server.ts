import { randomBytes } from "node:crypto";
import { and, eq, isNull } from "drizzle-orm";
import type { Database } from "../../db/client";
import { newId } from "../../db/ids";
import { apiKeys, merchants } from "../../db/schema/index";
import { audit, type AuditEntry } from "~/audit/audit.server";
import { sha256Hex } from "~/security/hash.server";

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
  return database.write(async (tx) => {
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
}

import { randomBytes } from "node:crypto";
import { and, desc, eq, isNull, sql } from "drizzle-orm";
import { audit, type AuditEntry } from "~/app/audit/audit.server";
import { getCipher } from "~/app/security/encryption.server";
import type { Database } from "~/db/client";
import { newId } from "~/db/ids";
import { merchantEvents, webhookDeliveries, webhookEndpoints } from "~/db/schema/index";
import { enqueue } from "~/jobs/enqueue.server";
import { deliverWebhookJob } from "~/jobs/handlers/deliver-webhook.definition";
import type { CreateWebhookEndpointRequest } from "./schemas";
import {
  checkWebhookUrl,
  webhookUrlPolicy,
  type Resolver,
  type UrlPolicy,
} from "./url-guard.server";

/** The AAD of the stored signing secret (app/security/reencrypt.server.ts lists it). */
export const secretContext = "webhook_endpoints.secret";

/** A merchant has at most this many live endpoints. */
export const maxEndpointsPerMerchant = 10;

export type Actor = Pick<AuditEntry, "actorType" | "actorId" | "ip" | "userAgent">;

type EndpointRow = typeof webhookEndpoints.$inferSelect;

/** An endpoint as the API and the portal show it (never its secret). */
export function endpointView(row: EndpointRow) {
  return {
    id: row.id,
    url: row.url,
    events: JSON.parse(row.events) as string[],
    status: row.disabledAt ? ("disabled" as const) : ("enabled" as const),
    disabled_reason: row.disabledReason ?? null,
    created_at: row.createdAt.toISOString(),
  };
}
export type EndpointView = ReturnType<typeof endpointView>;

export type CreateEndpointResult =
  | { ok: true; endpoint: EndpointView & { secret: string } }
  | { ok: false; field: "url" | "events"; message: string };

/**
 * Creates an endpoint: the URL passes the SSRF guard (scheme, and every address its host
 * resolves to), the secret is random, stored encrypted, and returned only here.
 */
export async function createWebhookEndpoint(
  database: Database,
  merchantId: string,
  input: CreateWebhookEndpointRequest,
  actor: Actor,
  options: { policy?: UrlPolicy; resolver?: Resolver } = {},
): Promise<CreateEndpointResult> {
  let url: string;
  try {
    url = await checkWebhookUrl(input.url, options.policy ?? webhookUrlPolicy(), options.resolver);
  } catch (error) {
    if (error instanceof Error && error.name === "UnsafeUrlError") {
      return { ok: false, field: "url", message: `url ${error.message}` };
    }
    throw error;
  }
  const events = [...new Set(input.events)];
  const id = newId("whe");
  const secret = `whsec_${randomBytes(32).toString("base64url")}`;
  const created = await database.write(async (tx) => {
    const live = await tx
      .select({ n: sql<number>`count(*)` })
      .from(webhookEndpoints)
      .where(and(eq(webhookEndpoints.merchantId, merchantId), isNull(webhookEndpoints.deletedAt)))
      .get();
    if ((live?.n ?? 0) >= maxEndpointsPerMerchant) return null;
    const row = await tx
      .insert(webhookEndpoints)
      .values({
        id,
        merchantId,
        url,
        events: JSON.stringify(events),
        secretEnc: getCipher().encrypt(secret, secretContext),
      })
      .returning()
      .get();
    await audit(tx, {
      ...actor,
      action: "webhook_endpoint.created",
      entityType: "webhook_endpoint",
      entityId: id,
      details: { merchant_id: merchantId, events },
    });
    return row;
  });
  if (!created) {
    return {
      ok: false,
      field: "url",
      message: `a merchant has at most ${maxEndpointsPerMerchant} webhook endpoints`,
    };
  }
  return { ok: true, endpoint: { ...endpointView(created), secret } };
}

export async function listWebhookEndpoints(database: Database, merchantId: string) {
  const rows = await database.db
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.merchantId, merchantId), isNull(webhookEndpoints.deletedAt)))
    .orderBy(webhookEndpoints.createdAt)
    .all();
  return rows.map(endpointView);
}

/** Deletes (hides) an endpoint of this merchant; false when it has none by that id. */
export function deleteWebhookEndpoint(
  database: Database,
  merchantId: string,
  endpointId: string,
  actor: Actor,
): Promise<boolean> {
  return changeEndpoint(database, merchantId, endpointId, actor, "webhook_endpoint.deleted", {
    deletedAt: new Date(),
  });
}

/** Turns a disabled endpoint on again (the portal's "enable"); false when not this merchant's. */
export function enableWebhookEndpoint(
  database: Database,
  merchantId: string,
  endpointId: string,
  actor: Actor,
): Promise<boolean> {
  return changeEndpoint(database, merchantId, endpointId, actor, "webhook_endpoint.enabled", {
    disabledAt: null,
    disabledReason: null,
    failingSince: null,
  });
}

/** One audited change of a live endpoint of this merchant (another merchant's id: false). */
async function changeEndpoint(
  database: Database,
  merchantId: string,
  endpointId: string,
  actor: Actor,
  action: string,
  set: Partial<EndpointRow>,
): Promise<boolean> {
  return database.write(async (tx) => {
    const row = await tx
      .update(webhookEndpoints)
      .set(set)
      .where(
        and(
          eq(webhookEndpoints.id, endpointId),
          eq(webhookEndpoints.merchantId, merchantId),
          isNull(webhookEndpoints.deletedAt),
        ),
      )
      .returning({ id: webhookEndpoints.id })
      .get();
    if (!row) return false;
    await audit(tx, {
      ...actor,
      action,
      entityType: "webhook_endpoint",
      entityId: endpointId,
      details: { merchant_id: merchantId },
    });
    return true;
  });
}

/** The delivery log of a merchant (optionally one endpoint's), newest first. */
export async function listWebhookDeliveries(
  database: Database,
  merchantId: string,
  options: { endpointId?: string; limit?: number } = {},
) {
  const rows = await database.db
    .select({
      id: webhookDeliveries.id,
      endpointId: webhookDeliveries.endpointId,
      eventId: webhookDeliveries.eventId,
      type: merchantEvents.type,
      applicationId: merchantEvents.applicationId,
      state: webhookDeliveries.state,
      attempts: webhookDeliveries.attempts,
      lastStatusCode: webhookDeliveries.lastStatusCode,
      lastError: webhookDeliveries.lastError,
      lastAttemptAt: webhookDeliveries.lastAttemptAt,
      deliveredAt: webhookDeliveries.deliveredAt,
      createdAt: webhookDeliveries.createdAt,
    })
    .from(webhookDeliveries)
    .innerJoin(merchantEvents, eq(merchantEvents.id, webhookDeliveries.eventId))
    .where(
      and(
        eq(webhookDeliveries.merchantId, merchantId),
        options.endpointId ? eq(webhookDeliveries.endpointId, options.endpointId) : undefined,
      ),
    )
    .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
    .limit(options.limit ?? 100)
    .all();
  return rows.map((row) => ({
    ...row,
    lastAttemptAt: row.lastAttemptAt === null ? null : new Date(row.lastAttemptAt),
    deliveredAt: row.deliveredAt === null ? null : new Date(row.deliveredAt),
    createdAt: new Date(row.createdAt),
    /** Out of retries (3 days) or its endpoint disabled: only a resend delivers it now. */
    deadLetter: row.state === "dead",
  }));
}
export type DeliveryView = Awaited<ReturnType<typeof listWebhookDeliveries>>[number];

export type ResendResult =
  { ok: true } | { ok: false; reason: "not_found" | "in_flight" | "endpoint_disabled" };

/**
 * Sends a delivery again (the portal's "resend"): the same event id and body, a fresh signature.
 * Only a settled delivery (delivered or dead) — one still retrying has a job already.
 */
export async function resendDelivery(
  database: Database,
  merchantId: string,
  deliveryId: string,
  actor: Actor = { actorType: "system" },
): Promise<ResendResult> {
  return database.write(async (tx) => {
    const row = await tx
      .select({ state: webhookDeliveries.state, endpoint: webhookEndpoints })
      .from(webhookDeliveries)
      .innerJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookDeliveries.endpointId))
      .where(
        and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.merchantId, merchantId)),
      )
      .get();
    if (!row || row.endpoint.deletedAt) return { ok: false, reason: "not_found" } as const;
    if (row.endpoint.disabledAt) return { ok: false, reason: "endpoint_disabled" } as const;
    if (row.state !== "delivered" && row.state !== "dead" && row.state !== "canceled") {
      return { ok: false, reason: "in_flight" } as const;
    }
    const now = Date.now();
    // A resend starts a new 3-day window: created_at is what the handler measures it from.
    await tx
      .update(webhookDeliveries)
      .set({ state: "pending", createdAt: now, updatedAt: now })
      .where(eq(webhookDeliveries.id, deliveryId));
    await enqueue(tx, deliverWebhookJob, { deliveryId }, { key: deliveryId, keyMode: "dedupe" });
    await audit(tx, {
      ...actor,
      action: "webhook_delivery.resent",
      entityType: "webhook_delivery",
      entityId: deliveryId,
      details: { merchant_id: merchantId },
    });
    return { ok: true } as const;
  });
}

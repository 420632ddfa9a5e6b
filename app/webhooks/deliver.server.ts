import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { and, eq, isNull } from "drizzle-orm";
import { audit } from "~/app/audit/audit.server";
import { applicationView } from "~/app/crm/applications.server";
import { merchantScope } from "~/app/crm/merchant-scope.server";
import { appUrl } from "~/app/config/env.server";
import { queueEmail } from "~/app/messaging/email.server";
import { getCipher } from "~/app/security/encryption.server";
import type { Database, Tx } from "~/db/client";
import {
  merchantApplications,
  merchantEvents,
  merchantMemberships,
  merchantUsers,
  merchants,
  webhookDeliveries,
  webhookEndpoints,
} from "~/db/schema/index";
import { PermanentError } from "~/jobs/errors";
import { secretContext } from "./endpoints.server";
import { signatureHeader } from "./signing";
import {
  guardedLookup,
  parseWebhookUrl,
  systemResolver,
  webhookUrlPolicy,
  type Resolver,
  type UrlPolicy,
} from "./url-guard.server";

/** docs/product/merchants-and-money.md, "Outbound webhooks": a 2xx within 10 s is delivered. */
export const deliveryTimeoutMs = 10_000;
/** Retried for up to 3 days, then dead-lettered; an endpoint failing that long is disabled. */
export const retryWindowMs = 3 * 24 * 60 * 60 * 1000;

export type DeliveryOutcome = "delivered" | "retrying" | "dead" | "canceled" | "already_delivered";

export type DeliverOptions = {
  signal?: AbortSignal;
  /** The job's last attempt (its maxAttempts backstop): a failure is final. */
  finalAttempt?: boolean;
  policy?: UrlPolicy;
  resolver?: Resolver;
  clock?: () => number;
  /** Tests only: less than the contract's 10 s. */
  timeoutMs?: number;
};

/** A failed attempt that will be retried (the outbox's backoff). */
export class DeliveryFailedError extends Error {
  override name = "DeliveryFailedError";
}

/**
 * One attempt of one delivery: build (once) and sign the event's body, POST it through the
 * SSRF guard, and record the outcome — in the delivery log and, for failures, on the endpoint
 * (3 days of failures disable it and e-mail the merchant's owners). Throws to make the outbox
 * retry; a PermanentError dead-letters the job once the 3 days are over.
 */
export async function deliverWebhook(
  database: Database,
  deliveryId: string,
  options: DeliverOptions = {},
): Promise<DeliveryOutcome> {
  const clock = options.clock ?? Date.now;
  const row = await database.db
    .select({ delivery: webhookDeliveries, endpoint: webhookEndpoints, event: merchantEvents })
    .from(webhookDeliveries)
    .innerJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookDeliveries.endpointId))
    .innerJoin(merchantEvents, eq(merchantEvents.id, webhookDeliveries.eventId))
    .where(eq(webhookDeliveries.id, deliveryId))
    .get();
  if (!row) throw new PermanentError(`no webhook delivery ${deliveryId}`);
  const { delivery, endpoint, event } = row;
  if (delivery.state === "delivered") return "already_delivered";
  if (endpoint.deletedAt) {
    await settle(database, deliveryId, { state: "canceled", error: "endpoint deleted" }, clock());
    return "canceled";
  }
  if (endpoint.disabledAt) {
    await settle(database, deliveryId, { state: "dead", error: "endpoint disabled" }, clock());
    throw new PermanentError("webhook endpoint disabled");
  }

  const body = await eventBody(database, event);
  const secret = getCipher().decrypt(endpoint.secretEnc, secretContext);
  const startedAt = clock();
  const result = await post(endpoint.url, body, {
    eventId: event.id,
    signature: signatureHeader(secret, body, Math.floor(startedAt / 1000)),
    policy: options.policy ?? webhookUrlPolicy(),
    resolver: options.resolver ?? systemResolver,
    signal: options.signal,
    timeoutMs: options.timeoutMs,
  });
  const now = clock();
  if (result.ok) {
    await database.write(async (tx) => {
      await tx
        .update(webhookDeliveries)
        .set({
          state: "delivered",
          attempts: delivery.attempts + 1,
          lastStatusCode: result.status,
          lastError: null,
          lastAttemptAt: now,
          deliveredAt: now,
          updatedAt: now,
        })
        .where(eq(webhookDeliveries.id, deliveryId));
      if (endpoint.failingSince) {
        await tx
          .update(webhookEndpoints)
          .set({ failingSince: null })
          .where(eq(webhookEndpoints.id, endpoint.id));
      }
    });
    return "delivered";
  }

  const final = options.finalAttempt === true || now - delivery.createdAt >= retryWindowMs;
  await database.write(async (tx) => {
    await tx
      .update(webhookDeliveries)
      .set({
        state: final ? "dead" : "retrying",
        attempts: delivery.attempts + 1,
        lastStatusCode: result.status ?? null,
        lastError: result.error,
        lastAttemptAt: now,
        updatedAt: now,
      })
      .where(eq(webhookDeliveries.id, deliveryId));
    const failingSince = endpoint.failingSince?.getTime() ?? now;
    if (!endpoint.failingSince) {
      await tx
        .update(webhookEndpoints)
        .set({ failingSince: new Date(now) })
        .where(and(eq(webhookEndpoints.id, endpoint.id), isNull(webhookEndpoints.failingSince)));
    }
    if (now - failingSince >= retryWindowMs) await disableEndpoint(tx, endpoint, now);
  });
  if (final) throw new PermanentError(`webhook not delivered within 3 days: ${result.error}`);
  throw new DeliveryFailedError(result.error);
}

async function settle(
  database: Database,
  deliveryId: string,
  outcome: { state: "dead" | "canceled"; error: string },
  now: number,
) {
  await database.write((tx) =>
    tx
      .update(webhookDeliveries)
      .set({ state: outcome.state, lastError: outcome.error, updatedAt: now })
      .where(eq(webhookDeliveries.id, deliveryId)),
  );
}

/**
 * The body every endpoint and every retry of an event gets: built at the first attempt from the
 * application's API resource and frozen on the event (a retry a day later still says what was
 * true when the event happened, and the signature covers the same bytes each time).
 */
async function eventBody(
  database: Database,
  event: typeof merchantEvents.$inferSelect,
): Promise<string> {
  let data = event.data;
  if (data === null) {
    const application = event.applicationId
      ? await applicationView(database, merchantScope(event.merchantId), event.applicationId)
      : null;
    const built = JSON.stringify({ application });
    data = await database.write(async (tx) => {
      await tx
        .update(merchantEvents)
        .set({ data: built })
        .where(and(eq(merchantEvents.id, event.id), isNull(merchantEvents.data)));
      const stored = await tx
        .select({ data: merchantEvents.data })
        .from(merchantEvents)
        .where(eq(merchantEvents.id, event.id))
        .get();
      return stored?.data ?? built;
    });
  }
  return `{"id":${JSON.stringify(event.id)},"type":${JSON.stringify(event.type)},"created_at":${JSON.stringify(new Date(event.createdAt).toISOString())},"data":${data}}`;
}

type PostResult = { ok: true; status: number } | { ok: false; status?: number; error: string };

/** One POST, no redirects followed (a 3xx is not a 2xx), 10 s for the whole answer. */
function post(
  rawUrl: string,
  body: string,
  options: {
    eventId: string;
    signature: string;
    policy: UrlPolicy;
    resolver: Resolver;
    signal?: AbortSignal;
    timeoutMs?: number;
  },
): Promise<PostResult> {
  let url: URL;
  try {
    url = parseWebhookUrl(rawUrl, options.policy);
  } catch (error) {
    return Promise.resolve({ ok: false, error: `refused: url ${(error as Error).message}` });
  }
  const timeoutMs = options.timeoutMs ?? deliveryTimeoutMs;
  const signal = options.signal
    ? AbortSignal.any([options.signal, AbortSignal.timeout(timeoutMs)])
    : AbortSignal.timeout(timeoutMs);
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise<PostResult>((resolve) => {
    const request = send(
      url,
      {
        method: "POST",
        lookup: guardedLookup(url, options.policy, options.resolver),
        signal,
        headers: {
          "Content-Type": "application/json",
          "Content-Length": Buffer.byteLength(body),
          "User-Agent": `FlowPay-Webhooks/1 (+${appUrl()}/docs/api)`,
          "FlowPay-Event-Id": options.eventId,
          "FlowPay-Signature": options.signature,
        },
      },
      (response: IncomingMessage) => {
        const status = response.statusCode ?? 0;
        // Read (and drop) the answer: a 2xx counts once its body has arrived within the time.
        response.resume();
        response.on("end", () =>
          resolve(
            status >= 200 && status < 300
              ? { ok: true, status }
              : { ok: false, status, error: `HTTP ${status}` },
          ),
        );
        response.on("error", (error) =>
          resolve({ ok: false, status, error: describe(error, timeoutMs) }),
        );
        // Cut off mid-body (the 10 s ran out, the receiver hung up): not delivered. After
        // "end" this is a no-op — the promise is settled already.
        response.on("close", () =>
          resolve({ ok: false, status, error: `no complete answer within ${timeoutMs / 1000} s` }),
        );
      },
    );
    request.on("error", (error) => resolve({ ok: false, error: describe(error, timeoutMs) }));
    request.end(body);
  });
}

function describe(error: Error, timeoutMs: number): string {
  if (error.name === "UnsafeUrlError") return `refused: url ${error.message}`;
  if (error.name === "TimeoutError" || error.name === "AbortError") {
    return `no answer within ${timeoutMs / 1000} s`;
  }
  const code = (error as NodeJS.ErrnoException).code;
  return code ? `${code}: ${error.message}`.slice(0, 500) : error.message.slice(0, 500);
}

/**
 * Disables an endpoint that has failed for 3 days and e-mails the merchant's owners (portal
 * owners; before the portal has any, the owner named in the merchant's sign-up), in the same
 * transaction as the failure that tipped it.
 */
async function disableEndpoint(
  tx: Tx,
  endpoint: typeof webhookEndpoints.$inferSelect,
  now: number,
) {
  const reason = "failed for 3 days";
  const disabled = await tx
    .update(webhookEndpoints)
    .set({ disabledAt: new Date(now), disabledReason: reason })
    .where(and(eq(webhookEndpoints.id, endpoint.id), isNull(webhookEndpoints.disabledAt)))
    .returning({ id: webhookEndpoints.id })
    .get();
  if (!disabled) return;
  await audit(tx, {
    actorType: "system",
    action: "webhook_endpoint.disabled",
    entityType: "webhook_endpoint",
    entityId: endpoint.id,
    details: { merchant_id: endpoint.merchantId, reason },
  });
  const merchant = await tx
    .select({ name: merchants.name })
    .from(merchants)
    .where(eq(merchants.id, endpoint.merchantId))
    .get();
  for (const to of await ownerEmails(tx, endpoint.merchantId)) {
    await queueEmail(tx, {
      to,
      template: "webhook_endpoint_disabled",
      merchantId: endpoint.merchantId,
      subject: "FlowPay: a webhook endpoint was disabled",
      text: [
        `Hello,`,
        ``,
        `FlowPay could not deliver events to the webhook endpoint ${endpoint.url} of ${merchant?.name ?? "your business"} for 3 days, so it has been disabled and receives no new events.`,
        ``,
        `Fix the receiver, then enable the endpoint again in the merchant portal (${appUrl()}/merchant) and resend what it missed from its delivery log.`,
        ``,
        `— FlowPay`,
      ].join("\n"),
    });
  }
}

async function ownerEmails(tx: Tx, merchantId: string): Promise<string[]> {
  const owners = await tx
    .select({ email: merchantUsers.email })
    .from(merchantMemberships)
    .innerJoin(merchantUsers, eq(merchantUsers.id, merchantMemberships.userId))
    .where(
      and(
        eq(merchantMemberships.merchantId, merchantId),
        eq(merchantMemberships.role, "owner"),
        eq(merchantUsers.status, "active"),
      ),
    )
    .all();
  if (owners.length > 0) return owners.map((o) => o.email);
  const signup = await tx
    .select({ email: merchantApplications.ownerEmail })
    .from(merchantApplications)
    .where(eq(merchantApplications.merchantId, merchantId))
    .get();
  return signup ? [signup.email] : [];
}

import { eq } from "drizzle-orm";
import type { Database, Tx } from "~/db/client";
import { newId } from "~/db/ids";
import { smsOptOuts, webhookEvents } from "~/db/schema/index";
import { audit } from "~/app/audit/audit.server";
import { appUrl } from "~/app/config/env.server";
import { businessMetrics } from "~/app/observability/business-metrics.server";
import { getSmsAdapter } from "./sms-adapter.server";
import { applyDeliveryStatus, isOptedOut, queueSms } from "./sms.server";
import { classifyInbound } from "./templates";

/** The URL Twilio signed: our public base URL plus the path and query it called. */
export function signedUrl(request: Request) {
  const url = new URL(request.url);
  return `${appUrl().replace(/\/$/, "")}${url.pathname}${url.search}`;
}

/** Form params of a Twilio webhook, and whether its X-Twilio-Signature is valid. */
export async function verifiedTwilioParams(request: Request) {
  let form: FormData;
  try {
    form = await request.formData();
  } catch {
    return { valid: false, params: {} as Record<string, string> };
  }
  const params: Record<string, string> = {};
  for (const [name, value] of form) if (typeof value === "string") params[name] = value;
  const valid = getSmsAdapter().validateSignature(
    request.headers.get("x-twilio-signature"),
    signedUrl(request),
    params,
  );
  return { valid, params };
}

/**
 * Stores a partner event once per (partner, event id) inside the caller's transaction.
 * Returns false when it was already stored: a replay, to be answered 200 with no second effect.
 */
export async function recordWebhookEvent(
  tx: Tx,
  event: {
    partner: string;
    eventId: string;
    eventType?: string;
    occurredAt?: Date;
    payload: string;
  },
) {
  const inserted = await tx
    .insert(webhookEvents)
    .values({
      id: newId("whe"),
      partner: event.partner,
      eventId: event.eventId,
      eventType: event.eventType ?? null,
      occurredAt: event.occurredAt ?? null,
      payload: event.payload,
      receivedAt: new Date(),
      processedAt: new Date(),
    })
    .onConflictDoNothing()
    .returning({ id: webhookEvents.id });
  return inserted.length > 0;
}

/** A delivery report: stored once, applied to the message (states only move forward). */
export async function handleStatusCallback(database: Database, params: Record<string, string>) {
  const sid = params.MessageSid ?? params.SmsSid;
  const status = params.MessageStatus ?? params.SmsStatus;
  if (!sid || !status) return "ignored" as const;
  return database.write(async (tx) => {
    const fresh = await recordWebhookEvent(tx, {
      partner: "twilio",
      eventId: `${sid}:${status}`,
      eventType: `message.${status}`,
      payload: JSON.stringify({
        MessageSid: sid,
        MessageStatus: status,
        ErrorCode: params.ErrorCode ?? null,
      }),
    });
    if (!fresh) return "replayed" as const;
    await applyDeliveryStatus(tx, sid, status, params.ErrorCode ?? null);
    return "applied" as const;
  });
}

/**
 * An inbound text: STOP and its synonyms (REVOKE, OPT OUT…) put the number on our own opt-out
 * list at once with one confirmation; START/UNSTOP take it off; HELP gets the help text.
 * The event is stored once (a redelivered MessageSid changes nothing).
 */
export async function handleInbound(database: Database, params: Record<string, string>) {
  const sid = params.MessageSid ?? params.SmsSid;
  const from = params.From;
  if (!sid || !from) return "ignored" as const;
  const intent = classifyInbound(params.Body ?? "");
  const result = await database.write(async (tx) => {
    const fresh = await recordWebhookEvent(tx, {
      partner: "twilio",
      eventId: sid,
      eventType: `inbound.${intent}`,
      // The text itself may carry anything the person typed: keep only what we act on.
      payload: JSON.stringify({ MessageSid: sid, intent }),
    });
    if (!fresh) return "replayed" as const;
    if (intent === "opt_out") {
      const added = await tx
        .insert(smsOptOuts)
        .values({
          phone: from,
          keyword: (params.Body ?? "").trim().slice(0, 32).toUpperCase(),
          optedOutAt: new Date(),
        })
        .onConflictDoNothing()
        .returning({ phone: smsOptOuts.phone });
      if (added.length > 0) await queueSms(tx, { to: from, template: "opt_out_confirmation" });
    } else if (intent === "opt_in") {
      const removed = await tx
        .delete(smsOptOuts)
        .where(eq(smsOptOuts.phone, from))
        .returning({ phone: smsOptOuts.phone });
      if (removed.length > 0) await queueSms(tx, { to: from, template: "opt_in_confirmation" });
    } else if (intent === "help") {
      // Answered even when the number opted out (carriers require it), saying that it did.
      const optedOut = await isOptedOut(tx, from);
      await queueSms(tx, { to: from, template: optedOut ? "help_opted_out" : "help" });
    }
    if (intent === "opt_out" || intent === "opt_in") {
      await audit(tx, {
        actorType: "system",
        actorId: "twilio",
        action: `sms.${intent}`,
        entityType: "phone",
        details: { message_sid: sid },
      });
    }
    return intent;
  });
  if (result === "opt_out" || result === "opt_in")
    businessMetrics.smsOptOuts.inc({ intent: result });
  return result;
}

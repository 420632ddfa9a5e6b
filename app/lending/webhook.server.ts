/**
 * POST /api/v1/webhooks/lender/{lender} (docs/product/api.md): verify the lender's signature over the raw
 * body (HMAC-SHA256, 5-minute window — the adapter does it), store the raw event once per
 * (lender, event id), and enqueue its application in the same transaction. Forged, unsigned or
 * stale → nothing stored; a replayed event id → stored nothing new, no second job.
 */
import type { Database } from "~/db/client";
import type { LenderRegistry } from "~/adapters/lender/index";
import { isPartnerError } from "~/adapters/shared/errors";
import { enqueue } from "~/jobs/enqueue.server";
import { applyLenderEventJob } from "~/jobs/handlers/apply-lender-event.definition";
import { recordWebhookEvent } from "~/app/messaging/webhooks.server";
import { readCapped } from "~/app/api/body.server";

export const maxWebhookBytes = 64 * 1024;

export type WebhookReceipt =
  | { kind: "stored"; eventId: string }
  | { kind: "replayed"; eventId: string }
  | { kind: "unknown_lender" }
  | { kind: "unauthorized"; code: string | null };

/** The body as text, at most `limit` bytes (null when larger: the rest is not read). */
export async function readRawBody(request: Request, limit = maxWebhookBytes) {
  const bytes = await readCapped(request, limit);
  return bytes === null ? null : Buffer.from(bytes).toString("utf8");
}

export async function receiveLenderWebhook(
  database: Database,
  lenders: LenderRegistry,
  input: { lender: string; rawBody: string; signature: string | null; now?: Date },
): Promise<WebhookReceipt> {
  if (!lenders.has(input.lender)) return { kind: "unknown_lender" };
  let event;
  try {
    event = lenders.get(input.lender).handleWebhook(input.rawBody, input.signature, input.now);
  } catch (error) {
    if (isPartnerError(error)) {
      return { kind: "unauthorized", code: error.code === undefined ? null : String(error.code) };
    }
    throw error;
  }
  const fresh = await database.write(async (tx) => {
    const stored = await recordWebhookEvent(tx, {
      partner: `lender:${input.lender}`,
      eventId: event.id,
      eventType: event.event,
      occurredAt: event.occurredAt,
      payload: input.rawBody,
    });
    if (!stored) return false;
    await enqueue(
      tx,
      applyLenderEventJob,
      { lender: input.lender, eventId: event.id },
      { key: `${input.lender}:${event.id}`, keyMode: "dedupe" },
    );
    return true;
  });
  return fresh ? { kind: "stored", eventId: event.id } : { kind: "replayed", eventId: event.id };
}

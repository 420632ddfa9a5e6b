import { asSqlTx, type AnyTx } from "~/db/sql-tx";
import { nudgeRunner } from "~/jobs/nudge.server";
import type { MerchantEventType } from "./events";

export type MerchantEventInput = {
  merchantId: string;
  type: MerchantEventType;
  /** The application the event is about: its GET /applications/{id} resource is the `data`. */
  applicationId: string | null;
  /**
   * Instead of the application resource (e.g. `{ prequalification: … }` for
   * prequalification.completed): frozen now, sent as the event's `data`.
   */
  data?: Record<string, unknown>;
};

/**
 * Emits one merchant event inside the caller's write transaction: it exists, with one delivery
 * and one outbox job per subscribed endpoint (the fan-out trigger of migration 0022), if and only
 * if the change it reports commits. Nothing is written for a merchant without a live endpoint.
 *
 * Status changes of an application need no call: a trigger on `applications` emits them
 * (app/webhooks/events.ts, ADR 063). Call this for what is not a status change —
 * `loan.refunded` (each refund confirmed), `prequalification.completed`.
 */
export async function emitMerchantEvent(tx: AnyTx, event: MerchantEventInput): Promise<void> {
  await asSqlTx(tx).run(
    `INSERT INTO merchant_events (id, merchant_id, type, application_id, data, created_at)
     SELECT 'evt_' || lower(hex(randomblob(13))), ?, ?, ?, ?, ?
     WHERE EXISTS (SELECT 1 FROM webhook_endpoints WHERE merchant_id = ?
       AND disabled_at IS NULL AND deleted_at IS NULL)`,
    [
      event.merchantId,
      event.type,
      event.applicationId,
      event.data === undefined ? null : JSON.stringify(event.data),
      Date.now(),
      event.merchantId,
    ],
  );
  // Safe before the commit: the runner's claim queues behind this transaction (ADR 012).
  nudgeRunner();
}

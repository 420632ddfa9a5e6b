/**
 * Webhook events: what each one means, and how to get from a pile of them to the
 * inquiry's current status. Pure; the app stores the events, this decides.
 *
 * Persona delivers at least once and in no particular order: the same event (same `evt_…`
 * id) can arrive twice, and `inquiry.approved` can arrive before `inquiry.completed`.
 * So: dedupe by event id, order by the event's own `created-at` (never by arrival), and
 * the last event in that order gives the status.
 */
import { STATUS_STAGE, parseKycStatus } from "./status";
import { type KycEvent, type KycStatus } from "./types";

/** The inquiry events Persona sends and the status each one stands for. */
export const STATUS_BY_EVENT: Readonly<Record<string, KycStatus>> = {
  "inquiry.created": "created",
  "inquiry.started": "pending",
  "inquiry.completed": "completed",
  "inquiry.failed": "failed",
  "inquiry.expired": "expired",
  "inquiry.marked-for-review": "needs_review",
  "inquiry.approved": "approved",
  "inquiry.declined": "declined",
};

/**
 * The status an event stands for: from its name for the transition events above; for
 * other inquiry events (`inquiry.transitioned`, `inquiry.updated-tags`, …) the inquiry's
 * status as carried in the event's payload; null when neither is known.
 */
export function statusForEvent(name: string, payloadStatus?: unknown): KycStatus | null {
  return STATUS_BY_EVENT[name] ?? parseKycStatus(payloadStatus);
}

/** Event order: `createdAt`, then lifecycle stage (for equal times), then event id (stable). */
export function compareEvents(a: KycEvent, b: KycEvent): number {
  const byTime = a.createdAt.getTime() - b.createdAt.getTime();
  if (byTime !== 0) return byTime;
  const byStage = STATUS_STAGE[a.status] - STATUS_STAGE[b.status];
  if (byStage !== 0) return byStage;
  return a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0;
}

export type AppliedEvents = {
  /** Unique events, oldest first. */
  events: KycEvent[];
  /** The newest event (by `createdAt`), or null when there are none. */
  latest: KycEvent | null;
  /** The inquiry's status according to the events: `latest.status`, or null. */
  status: KycStatus | null;
  /** Event ids seen more than once (each listed once); the first copy seen was kept. */
  duplicates: string[];
};

/**
 * Decides an inquiry's status from its events, in whatever order and with whatever
 * repeats they arrived. Give it every stored event of **one** inquiry plus the new one;
 * compare `status` with what you had to see whether anything changed. A decision that is
 * later changed (approved, then marked for review by a human) is honoured: the newer event
 * wins, whatever its status.
 *
 * Throws a RangeError when the events belong to more than one inquiry (a caller bug).
 */
export function applyInOrder(events: readonly KycEvent[]): AppliedEvents {
  const byId = new Map<string, KycEvent>();
  const duplicates = new Set<string>();
  let inquiryId: string | undefined;
  for (const event of events) {
    if (inquiryId === undefined) inquiryId = event.inquiryId;
    else if (event.inquiryId !== inquiryId) {
      throw new RangeError(
        `applyInOrder takes the events of one inquiry (got ${inquiryId} and ${event.inquiryId})`,
      );
    }
    if (byId.has(event.eventId)) duplicates.add(event.eventId);
    else byId.set(event.eventId, event);
  }
  const ordered = [...byId.values()].sort(compareEvents);
  const latest = ordered.at(-1) ?? null;
  return { events: ordered, latest, status: latest?.status ?? null, duplicates: [...duplicates] };
}

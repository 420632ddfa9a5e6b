import { and, eq, gte, inArray, lt } from "drizzle-orm";
import { applyInOrder, parseKycStatus } from "~/adapters/persona/index";
import { STATUS_STAGE } from "~/adapters/persona/status";
import type { KycEvent, KycStatus } from "~/adapters/persona/types";
import { isPartnerError } from "~/adapters/shared/errors";
import type { Database, Tx } from "~/db/client";
import { applications, webhookEvents } from "~/db/schema/index";
import { enqueue } from "~/jobs/enqueue.server";
import { applyKycEventJob } from "~/jobs/handlers/apply-kyc-event.definition";
import { audit } from "~/app/audit/audit.server";
import { isProduction } from "~/app/config/env.server";
import { recordWebhookEvent } from "~/app/messaging/webhooks.server";
import { logger } from "~/app/observability/logger.server";
import { getIdentity } from "./partners.server";

/**
 * Persona webhooks (POST /api/v1/webhooks/persona): verified by the identity adapter
 * (Persona-Signature; either of the PERSONA_WEBHOOK_SECRETS during a rotation), stored once,
 * applied by the apply-kyc-event job.
 *
 * Stored per event, in `webhook_events`:
 * - `event_id` = `${inquiry id}:${Persona's event id}`. Persona's event id alone dedupes
 *   (an event belongs to one inquiry for good); the inquiry prefix lets the job read all
 *   events of an inquiry as a range of the (partner, event_id) unique index, with no
 *   migration and no scan.
 * - `payload` = the parsed event (id, name, created-at, inquiry, status, reference id), not the
 *   raw body: Persona's payload carries the inquiry's fields (name, birthdate, address, ID
 *   numbers), which we do not keep in clear text. Keep only what we act on (as the Twilio
 *   inbound webhook does).
 */

export type PersonaWebhookOutcome =
  | { kind: "rejected"; reason: string }
  /** Correctly signed but not about an inquiry: acknowledged (else Persona retries), not stored. */
  | { kind: "ignored" }
  | { kind: "replayed"; eventId: string }
  | { kind: "accepted"; eventId: string };

/** Applications whose identity status may still change what is decided. */
const openStatuses = ["in_progress", "submitted"] as const;

function storedEventId(inquiryId: string, eventId: string) {
  return `${inquiryId}:${eventId}`;
}

type StoredKycEvent = Omit<KycEvent, "createdAt"> & { createdAt: string };

function toStored(event: KycEvent): StoredKycEvent {
  return { ...event, createdAt: event.createdAt.toISOString() };
}

function fromStored(payload: string): KycEvent | null {
  try {
    const value = JSON.parse(payload) as Partial<StoredKycEvent>;
    const status = parseKycStatus(value.status);
    const createdAt = new Date(String(value.createdAt));
    if (
      !status ||
      typeof value.eventId !== "string" ||
      typeof value.inquiryId !== "string" ||
      typeof value.name !== "string" ||
      Number.isNaN(createdAt.getTime())
    ) {
      return null;
    }
    return {
      eventId: value.eventId,
      name: value.name,
      createdAt,
      inquiryId: value.inquiryId,
      status,
      referenceId: typeof value.referenceId === "string" ? value.referenceId : null,
    };
  } catch {
    return null;
  }
}

/** Verifies (no network), then stores the event and enqueues its job in one transaction. */
export async function receivePersonaWebhook(
  database: Database,
  rawBody: string,
  signatureHeader: string | null,
  now: Date = new Date(),
): Promise<PersonaWebhookOutcome> {
  const adapter = getIdentity();
  // The sandbox's webhook secret is public: in production it must verify nothing.
  if (!adapter || (adapter.name === "sandbox" && isProduction())) {
    return { kind: "rejected", reason: "PERSONA_NOT_CONFIGURED" };
  }
  let event: KycEvent;
  try {
    event = adapter.verifyWebhook(rawBody, signatureHeader, now);
  } catch (error) {
    if (!isPartnerError(error)) throw error;
    if (error.code === "UNSUPPORTED_EVENT") return { kind: "ignored" };
    logger.warn({ code: error.code }, "Persona webhook rejected");
    return { kind: "rejected", reason: String(error.code ?? "WEBHOOK_REJECTED") };
  }
  const eventId = storedEventId(event.inquiryId, event.eventId);
  return database.write(async (tx) => {
    const fresh = await recordWebhookEvent(tx, {
      partner: "persona",
      eventId,
      eventType: event.name,
      occurredAt: event.createdAt,
      payload: JSON.stringify(toStored(event)),
    });
    if (!fresh) return { kind: "replayed", eventId } as const;
    await enqueue(
      tx,
      applyKycEventJob,
      { inquiryId: event.inquiryId },
      { key: event.inquiryId, keyMode: "dedupe" },
    );
    return { kind: "accepted", eventId } as const;
  });
}

/** Every stored event of one inquiry (a range of the unique index; see the module comment). */
async function storedEvents(tx: Tx, inquiryId: string): Promise<KycEvent[]> {
  const rows = await tx
    .select({ payload: webhookEvents.payload })
    .from(webhookEvents)
    .where(
      and(
        eq(webhookEvents.partner, "persona"),
        gte(webhookEvents.eventId, `${inquiryId}:`),
        // ";" is the character after ":", so this ends the range at the inquiry's last event.
        lt(webhookEvents.eventId, `${inquiryId};`),
      ),
    );
  return rows
    .map((row) => fromStored(row.payload))
    .filter((event): event is KycEvent => event !== null && event.inquiryId === inquiryId);
}

const decisionStatuses = new Set<KycStatus>(["needs_review", "approved", "declined"]);

/**
 * Whether the status we hold may become `next`. Never backwards through the lifecycle (an
 * older event stored late, or a webhook behind the status the borrower's return already read
 * from Persona); but a decision may be changed by a newer one (approved, then marked for review).
 */
export function kycStatusMayMove(current: string | null, next: KycStatus): boolean {
  const held = parseKycStatus(current);
  if (held === null) return true;
  if (held === next) return false;
  if (decisionStatuses.has(held) && decisionStatuses.has(next)) return true;
  return STATUS_STAGE[next] > STATUS_STAGE[held];
}

export type ApplyKycOutcome =
  | { outcome: "no_events" | "unknown_inquiry" | "reference_mismatch" }
  | { outcome: "unchanged"; status: KycStatus }
  | { outcome: "updated"; from: string | null; status: KycStatus }
  /** The application is decided: the newer status is recorded (audit), the decision not rewritten. */
  | { outcome: "recorded_after_decision"; status: KycStatus };

/**
 * The apply-kyc-event job: all stored events of the inquiry → `applyInOrder` (dedupe by id,
 * order by created-at) → the application's kyc_status, in one write transaction (so two runs
 * for the same inquiry cannot interleave and write an older result last).
 */
export async function applyKycEvents(
  database: Database,
  inquiryId: string,
): Promise<ApplyKycOutcome> {
  // kyc_inquiry_id has no index: find the application before taking the write lock.
  const candidate = await database.db
    .select({ id: applications.id })
    .from(applications)
    .where(eq(applications.kycInquiryId, inquiryId))
    .get();
  return database.write(async (tx): Promise<ApplyKycOutcome> => {
    const applied = applyInOrder(await storedEvents(tx, inquiryId));
    const latest = applied.latest;
    if (!latest) return { outcome: "no_events" };
    const application = candidate
      ? await tx
          .select({
            id: applications.id,
            status: applications.status,
            kycStatus: applications.kycStatus,
            kycInquiryId: applications.kycInquiryId,
          })
          .from(applications)
          .where(eq(applications.id, candidate.id))
          .get()
      : undefined;
    if (!application || application.kycInquiryId !== inquiryId) {
      return { outcome: "unknown_inquiry" };
    }
    // The inquiry was created with our application id as its reference: they must agree.
    if (applied.events.some((e) => e.referenceId !== null && e.referenceId !== application.id)) {
      logger.warn(
        { inquiry_id: inquiryId, application_id: application.id },
        "Persona events name another application; not applied",
      );
      return { outcome: "reference_mismatch" };
    }
    const status = latest.status;
    const details = { inquiry_id: inquiryId, event_id: latest.eventId, kyc_status: status };

    const moves = kycStatusMayMove(application.kycStatus, status);
    if (!(openStatuses as readonly string[]).includes(application.status)) {
      if (moves) {
        await audit(tx, {
          actorType: "system",
          actorId: "persona",
          action: "application.kyc_changed_after_decision",
          entityType: "application",
          entityId: application.id,
          details: { ...details, held_kyc_status: application.kycStatus },
        });
        return { outcome: "recorded_after_decision", status };
      }
      return { outcome: "unchanged", status };
    }
    if (!moves) return { outcome: "unchanged", status };

    await tx
      .update(applications)
      .set({ kycStatus: status })
      .where(
        and(eq(applications.id, application.id), inArray(applications.status, [...openStatuses])),
      );
    await audit(tx, {
      actorType: "system",
      actorId: "persona",
      action: "application.kyc_status",
      entityType: "application",
      entityId: application.id,
      details: { ...details, from: application.kycStatus },
    });
    return { outcome: "updated", from: application.kycStatus, status };
  });
}

/**
 * Polling FieldRoutes, which cannot push (no webhooks): for every connected office, the
 * appointments of its open applications are re-read (appointment/get, ≤ 1,000 ids a call) and
 * each is checked for the marker of the latest status line FlowPay wrote there. A line that is
 * gone (a technician replaced the notes, or two syncs raced on the read-modify-write) is
 * repaired by enqueueing that sync again — its note is found by its marker and not duplicated.
 * Syncs in the dead letters are left to operators (no retry loop every interval).
 *
 * Cadence: the poll-crm job reschedules itself (CRM_POLL_INTERVAL_MS, default 15 min — the
 * office's read quota is small); `schedulePoll` at boot makes sure one is pending.
 */
import { and, eq, gte, inArray, ne } from "drizzle-orm";
import type { Database } from "~/db/client";
import { applications, crmConnections, outbox, serviceJobs } from "~/db/schema/index";
import { noteMarker } from "~/adapters/fieldroutes/index";
import { enqueue } from "~/jobs/enqueue.server";
import { pollCrmJob } from "~/jobs/handlers/poll-crm.definition";
import { syncToCrmJob } from "~/jobs/handlers/sync-to-crm.definition";
import { logger } from "~/app/observability/logger.server";
import { withCrmCallLog } from "./call-log.server";
import { crmTargetFor } from "./connections.server";
import { enqueueCrmSync } from "./enqueue.server";
import { eventForStatus, syncKey, type CrmSyncEvent } from "./events";

/** Applications changed within this window are watched. */
export const pollWindowMs = 30 * 24 * 3600_000;

export type PollSummary = {
  offices: number;
  appointments: number;
  repaired: number;
  missing: number;
  failedOffices: number;
};

type Watched = { applicationId: string; appointmentId: string; event: CrmSyncEvent };

async function watchedApplications(database: Database, merchantId: string, since: Date) {
  const rows = await database.db
    .select({
      id: applications.id,
      status: applications.status,
      crmJobId: serviceJobs.crmJobId,
    })
    .from(applications)
    .innerJoin(serviceJobs, eq(serviceJobs.id, applications.serviceJobId))
    .where(
      and(
        eq(applications.merchantId, merchantId),
        eq(applications.crm, "fieldroutes"),
        gte(applications.updatedAt, since),
        ne(applications.status, "expired"),
      ),
    );
  const watched: Watched[] = [];
  for (const row of rows) {
    const event = eventForStatus(row.status);
    if (event && /^\d{1,18}$/.test(row.crmJobId)) {
      watched.push({ applicationId: row.id, appointmentId: row.crmJobId, event });
    }
  }
  return watched;
}

/** Sync keys whose job is in the dead letters (left to operators). */
async function deadKeys(database: Database, keys: string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const outboxKeys = keys.map((key) => `${syncToCrmJob.kind}:${key}`);
  const rows = await database.db
    .select({ key: outbox.key })
    .from(outbox)
    .where(
      and(
        eq(outbox.kind, syncToCrmJob.kind),
        eq(outbox.state, "dead"),
        inArray(outbox.key, outboxKeys),
      ),
    );
  return new Set(rows.map((row) => (row.key ?? "").slice(syncToCrmJob.kind.length + 1)));
}

async function pollOffice(
  database: Database,
  merchantId: string,
  since: Date,
  signal: AbortSignal | undefined,
  summary: PollSummary,
) {
  const watched = await watchedApplications(database, merchantId, since);
  if (watched.length === 0) return;
  const target = await crmTargetFor(database, merchantId, "fieldroutes");
  if (!target) return;
  const appointments = await withCrmCallLog(
    { database, merchantId, applicationId: null, crm: "fieldroutes" },
    () => target.adapter.getAppointments([...new Set(watched.map((w) => w.appointmentId))], signal),
  );
  summary.appointments += appointments.length;
  const byId = new Map(appointments.map((a) => [a.appointmentId, a]));
  const lacking = watched.filter((w) => {
    const appointment = byId.get(w.appointmentId);
    if (!appointment) {
      summary.missing += 1;
      return false;
    }
    return !appointment.notes.includes(noteMarker(syncKey(w.applicationId, w.event)));
  });
  const dead = await deadKeys(
    database,
    lacking.map((w) => syncKey(w.applicationId, w.event)),
  );
  const repairs = lacking.filter((w) => !dead.has(syncKey(w.applicationId, w.event)));
  if (repairs.length === 0) return;
  await database.write(async (tx) => {
    for (const w of repairs) await enqueueCrmSync(tx, w.applicationId, w.event);
  });
  summary.repaired += repairs.length;
}

export async function pollCrm(
  database: Database,
  options: { signal?: AbortSignal; now?: Date } = {},
): Promise<PollSummary> {
  const now = options.now ?? new Date();
  const since = new Date(now.getTime() - pollWindowMs);
  const connections = await database.db
    .select({ id: crmConnections.id, merchantId: crmConnections.merchantId })
    .from(crmConnections)
    .where(
      and(
        eq(crmConnections.crm, "fieldroutes"),
        eq(crmConnections.authKind, "api_key"),
        inArray(crmConnections.status, ["connected"]),
      ),
    );
  const summary: PollSummary = {
    offices: connections.length,
    appointments: 0,
    repaired: 0,
    missing: 0,
    failedOffices: 0,
  };
  for (const connection of connections) {
    if (options.signal?.aborted) break;
    try {
      await pollOffice(database, connection.merchantId, since, options.signal, summary);
    } catch (error) {
      // One office down (its breaker open, its key revoked) does not stop the others.
      summary.failedOffices += 1;
      logger.warn({ err: error, connection_id: connection.id }, "CRM poll of an office failed");
    }
  }
  return summary;
}

/**
 * Makes sure a poll is pending `delayMs` from now. "replace" (the job rescheduling itself)
 * moves the pending one; "dedupe" (boot) keeps an existing one.
 */
export async function schedulePoll(
  database: Database,
  delayMs: number,
  keyMode: "replace" | "dedupe",
) {
  await database.write((tx) =>
    enqueue(tx, pollCrmJob, {}, { key: "schedule", keyMode, runAt: Date.now() + delayMs }),
  );
}

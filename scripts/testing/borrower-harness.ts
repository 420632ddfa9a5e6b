/**
 * Helpers for in-process borrower tests (on top of app-harness.ts): an application created the
 * way a CRM creates one, and the outbox's pending jobs of one kind run by the handler the server
 * registers for it (no runner in the background: the test decides when jobs run), or by the
 * runner of a restarted process (runJobsInFreshProcess, for crash tests).
 *
 * Import it dynamically after setting the environment the test needs, like app-harness.ts.
 */
import { eq, sql } from "drizzle-orm";
import { openDatabase } from "~/db/client";
import { applications } from "~/db/schema/index";
import { createAppJobRegistry } from "~/jobs/handlers/index";
import { JobRegistry } from "~/jobs/registry";
import { silentLogger, testRunner, waitFor } from "~/jobs/testing/helpers";
import { appDatabase, callRoute, jsonHeaders } from "./app-harness";

let counter = 0;

/** POST /api/v1/crm/offer-financing; returns the application id and its borrower link token. */
export async function offerFinancing(
  merchantKey: string,
  customer: { email?: string; firstName?: string; lastName?: string } = {},
) {
  counter += 1;
  const n = `${Date.now().toString(36)}-${counter}`;
  const route = await import("~/app/routes/api.v1.crm.offer-financing");
  const response = await callRoute(route, {
    method: "POST",
    path: "/api/v1/crm/offer-financing",
    headers: jsonHeaders(merchantKey),
    body: JSON.stringify({
      crm: "fieldroutes",
      crm_customer_id: `T-${n}`,
      customer: {
        first_name: customer.firstName ?? "Jamie",
        last_name: customer.lastName ?? "Rivera",
        ...(customer.email ? { email: customer.email } : {}),
        phone: "+15125550142",
        address: { line1: "12 Oak Ave", city: "Austin", state: "TX", postal_code: "78702" },
      },
      job: { crm_job_id: `JOB-${n}`, estimate_cents: 750000 },
      send_sms: false,
    }),
  });
  if (response.status !== 201) throw new Error(`offer-financing: ${await response.text()}`);
  const json = (await response.json()) as { application_id: string; apply_url: string };
  return {
    applicationId: json.application_id,
    token: new URL(json.apply_url).pathname.split("/").pop()!,
  };
}

export async function applicationRow(applicationId: string) {
  const database = await appDatabase();
  return database.db.select().from(applications).where(eq(applications.id, applicationId)).get();
}

/** Runs every pending job of `kind`, oldest first, as the runner would (attempt 1), and completes it. */
export async function runPendingJobs(kind: string): Promise<number> {
  const database = await appDatabase();
  const registered = createAppJobRegistry().get(kind);
  if (!registered) throw new Error(`no handler registered for ${kind}`);
  const rows = await database.db.all<{ id: number; payload: string; key: string | null }>(
    sql`SELECT id, payload, key FROM outbox WHERE kind = ${kind} AND state = 'pending' ORDER BY id`,
  );
  for (const row of rows) {
    await registered.handler(registered.definition.schema.parse(JSON.parse(row.payload)), {
      jobId: row.id,
      kind,
      attempt: 1,
      maxAttempts: registered.definition.maxAttempts,
      idempotencyKey: `test-job-${row.id}`,
      key: row.key,
      signal: AbortSignal.timeout(registered.definition.timeoutMs),
      database,
      logger: silentLogger,
    });
    await database.serialized(() =>
      database.db.run(
        sql`UPDATE outbox SET state = 'completed', completed_at = ${Date.now()} WHERE id = ${row.id}`,
      ),
    );
  }
  return rows.length;
}

/** Jobs of `kind` in the outbox (any state) whose payload mentions `text`. */
export async function jobsOf(kind: string, text: string): Promise<number> {
  const database = await appDatabase();
  const row = await database.db.get<{ n: number }>(
    sql`SELECT count(*) AS n FROM outbox WHERE kind = ${kind} AND instr(payload, ${text}) > 0`,
  );
  return Number(row?.n ?? 0);
}

let freshProcesses = 0;

/**
 * What a restarted process does with the outbox: a new database handle on the same file (its own
 * connections and write queue, nothing shared with this process's) and a real JobRunner with the
 * server's handlers for `kinds` only, run until none of their jobs is pending or running; then
 * the runner is stopped and the handle closed. A job a dead worker left "running" comes back once
 * its lease has expired (the runner's first sweep). Leave this process's handle idle meanwhile:
 * two writers in one process block each other (docs/product/platform-notes.md).
 */
export async function runJobsInFreshProcess(kinds: string[], { timeoutMs = 20_000 } = {}) {
  const url = (await appDatabase()).url;
  const all = createAppJobRegistry();
  const registry = new JobRegistry();
  for (const kind of kinds) {
    const registered = all.get(kind);
    if (!registered) throw new Error(`no handler registered for ${kind}`);
    registry.handle(registered.definition, registered.handler);
  }
  freshProcesses += 1;
  const fresh = await openDatabase({ url });
  const runner = testRunner(fresh, registry, { workerId: `fresh-process-${freshProcesses}` });
  const list = kinds.map((kind) => sql`${kind}`);
  try {
    runner.start();
    await waitFor(
      async () => {
        const row = await fresh.db.get<{ n: number }>(
          sql`SELECT count(*) AS n FROM outbox
              WHERE kind IN (${sql.join(list, sql`, `)}) AND state IN ('pending', 'running')`,
        );
        return Number(row?.n ?? 0) === 0;
      },
      { timeoutMs, what: `no pending or running ${kinds.join(", ")} job` },
    );
  } finally {
    await runner.stop({ graceMs: 1000 });
    fresh.close();
  }
}

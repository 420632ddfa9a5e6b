/**
 * Helpers for in-process borrower tests (on top of app-harness.ts): an application created the
 * way a CRM creates one, and the outbox's pending jobs of one kind run by the handler the server
 * registers for it (no runner in the background: the test decides when jobs run).
 *
 * Import it dynamically after setting the environment the test needs, like app-harness.ts.
 */
import { eq, sql } from "drizzle-orm";
import { applications } from "../../db/schema/index";
import { createAppJobRegistry } from "../../jobs/handlers/index";
import { silentLogger } from "../../jobs/testing/helpers";
import { appDatabase, callRoute, jsonHeaders } from "./app-harness";

let counter = 0;

/** POST /api/v1/crm/offer-financing; returns the application id and its borrower link token. */
export async function offerFinancing(
  merchantKey: string,
  customer: { email?: string; firstName?: string; lastName?: string } = {},
) {
  counter += 1;
  const n = `${Date.now().toString(36)}-${counter}`;
  const route = await import("../../app/routes/api.v1.crm.offer-financing");
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

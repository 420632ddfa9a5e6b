import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "~/db/testing";
import { JobRegistry } from "~/jobs/registry";
import { startJobRunner } from "~/jobs/start.server";
import { parseEnv } from "~/app/config/env.server";
import { testRunner, waitFor } from "~/jobs/testing/helpers";
import type { SqlValue } from "~/db/sql-tx";
import {
  insertApplication,
  insertDecision,
  insertMerchant,
  insertOffer,
} from "~/app/ops/applications-fixtures";
import { evidenceTables, retentionDefaults, retentionRules } from "./policy";
import { applyRetention, retentionRead } from "./prune.server";

/**
 * Retention against a real database file: with the default periods, rows older than their
 * period go, younger ones stay, and decision evidence — even years old — is never touched.
 */
let database: Awaited<ReturnType<typeof createTestDatabase>>;
const now = Date.UTC(2026, 11, 7, 12, 0, 0);
const hour = 3600_000;
const day = 24 * hour;
const ago = (ms: number) => now - ms;

const run = (sql: string, args: SqlValue[] = []) =>
  database.serialized(() => database.client.execute({ sql, args }));
const ids = async (sql: string) =>
  (await database.client.execute(sql)).rows.map((row) => String(Object.values(row)[0]));

let applicationId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  const merchantId = await insertMerchant(database);
  // Evidence three years old: an application, its decision and offer, a text, an audit entry.
  const old = new Date(ago(3 * 365 * day));
  applicationId = (await insertApplication(database, { merchantId, createdAt: old })).id;
  const decisionId = await insertDecision(database, {
    applicationId,
    status: "approved",
    decidedAt: old,
  });
  await insertOffer(database, { decisionId, applicationId, amountFinancedCents: 500_000 });
  await run(
    `INSERT INTO messages (id, application_id, channel, recipient, template, body_enc, status, created_at, updated_at)
     VALUES ('msg_old', ?, 'sms', '+15125550100', 'link', 'x', 'sent', ?, ?)`,
    [applicationId, old.getTime(), old.getTime()],
  );
  await run(
    `INSERT INTO audit_logs (at, actor_type, action, entity_type, entity_id) VALUES (?, 'system', 'application.created', 'application', ?)`,
    [old.getTime(), applicationId],
  );

  // Partner call logs, just older and just younger than their periods (90 and 180 days).
  for (const [id, at] of [
    ["crm_old", ago(91 * day)],
    ["crm_new", ago(89 * day)],
  ] as const) {
    await run(
      `INSERT INTO crm_sync_logs (id, merchant_id, application_id, crm, operation, outcome, created_at)
       VALUES (?, ?, ?, 'fieldroutes', 'note', 'ok', ?)`,
      [id, merchantId, applicationId, at],
    );
  }
  for (const [id, outcome, at] of [
    ["lend_old_call", "ok", ago(181 * day)],
    ["lend_old_error", "error", ago(400 * day)],
    ["lend_old_event", "event", ago(400 * day)],
    ["lend_new_call", "ok", ago(179 * day)],
  ] as const) {
    await run(
      `INSERT INTO lender_transactions (id, application_id, lender, operation, outcome, created_at)
       VALUES (?, ?, 'mock', 'create_loan', ?, ?)`,
      [id, applicationId, outcome, at],
    );
  }
  // Idempotency-Key records: 48 h.
  for (const [key, at] of [
    ["idem_old", ago(49 * hour)],
    ["idem_new", ago(47 * hour)],
  ] as const) {
    await run(
      `INSERT INTO idempotency_keys (merchant_id, key, request_hash, response_status, response_body, created_at)
       VALUES (?, ?, 'h', 201, 'x', ?)`,
      [merchantId, key, at],
    );
  }
  // Operator sessions (30 days after they ended) and OAuth states (24 h after they expired).
  await run(
    `INSERT INTO operators (id, email, name, role, password_hash, created_at, updated_at)
     VALUES ('op_1', 'ops@example.com', 'Ops', 'admin', 'x', ?, ?)`,
    [ago(400 * day), ago(400 * day)],
  );
  for (const [id, expiresAt, revokedAt, createdAt] of [
    ["ses_expired_old", ago(31 * day), null, ago(32 * day)],
    ["ses_revoked_old", ago(1 * day), ago(31 * day), ago(33 * day)],
    ["ses_expired_recent", ago(29 * day), null, ago(31 * day)],
    ["ses_held_by_state", ago(40 * day), null, ago(41 * day)],
    ["ses_live", now + 8 * hour, null, ago(1 * hour)],
  ] as const) {
    await run(
      `INSERT INTO operator_sessions (id, operator_id, last_seen_at, expires_at, revoked_at, created_at, updated_at)
       VALUES (?, 'op_1', ?, ?, ?, ?, ?)`,
      [id, createdAt, expiresAt, revokedAt, createdAt, createdAt],
    );
  }
  for (const [id, session, expiresAt] of [
    ["state_old", "ses_live", ago(25 * hour)],
    ["state_new", "ses_live", ago(23 * hour)],
    // A session whose state is still young stays until the state goes.
    ["state_holding", "ses_held_by_state", ago(1 * hour)],
  ] as const) {
    await run(
      `INSERT INTO oauth_states (id, operator_session_id, merchant_id, crm, code_verifier_enc, expires_at, created_at)
       VALUES (?, ?, ?, 'fieldroutes', 'x', ?, ?)`,
      [id, session, merchantId, expiresAt, expiresAt - 10 * 60_000],
    );
  }
  // Borrower links: the encrypted token of a link dead for over 7 days is cleared.
  for (const [id, expiresAt, revokedAt] of [
    ["link_expired_old", ago(8 * day), null],
    ["link_revoked_old", now + day, ago(8 * day)],
    ["link_expired_recent", ago(6 * day), null],
    ["link_live", now + hour, null],
  ] as const) {
    await run(
      `INSERT INTO application_links (id, application_id, token_hash, token_enc, expires_at, revoked_at, created_at, updated_at)
       VALUES (?, ?, ?, 'v1.k1.iv.ct', ?, ?, ?, ?)`,
      [id, applicationId, `hash-${id}`, expiresAt, revokedAt, ago(9 * day), ago(9 * day)],
    );
  }
  // Outbound webhooks (30 days): a settled delivery goes, one still retrying stays with its
  // event; an event no delivery refers to goes once old.
  await run(
    `INSERT INTO webhook_endpoints (id, merchant_id, url, events, secret_enc, created_at, updated_at)
     VALUES ('whe_1', ?, 'https://hooks.example.com', '["loan.funded"]', 'x', ?, ?)`,
    [merchantId, ago(60 * day), ago(60 * day)],
  );
  for (const [id, at] of [
    ["evt_old", ago(31 * day)],
    ["evt_orphan_old", ago(31 * day)],
    ["evt_new", ago(29 * day)],
  ] as const) {
    await run(
      `INSERT INTO merchant_events (id, merchant_id, type, created_at)
       VALUES (?, ?, 'application.created', ?)`,
      [id, merchantId, at],
    );
  }
  for (const [id, event, state, at] of [
    ["whd_old_delivered", "evt_old", "delivered", ago(31 * day)],
    ["whd_old_retrying", "evt_old", "retrying", ago(31 * day)],
    ["whd_new_delivered", "evt_new", "delivered", ago(29 * day)],
  ] as const) {
    await run(
      `INSERT INTO webhook_deliveries (id, event_id, endpoint_id, merchant_id, state, created_at, updated_at)
       VALUES (?, ?, 'whe_1', ?, ?, ?, ?)`,
      [id, event, merchantId, state, at, at],
    );
  }
});
afterAll(() => database?.destroy());

async function evidenceCounts() {
  const counts: Record<string, number> = {};
  for (const table of evidenceTables) {
    counts[table] = Number(
      (await database.client.execute(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n,
    );
  }
  return counts;
}

describe("applyRetention with the default periods", () => {
  it("prunes what is older than its period, keeps what is younger, never touches evidence", async () => {
    const evidenceBefore = await evidenceCounts();
    for (const table of ["applications", "decisions", "offers", "messages", "audit_logs"]) {
      expect(evidenceBefore[table], table).toBeGreaterThan(0);
    }

    // Small batches and scans: the walk and the batching are exercised, not one big statement.
    const result = await applyRetention(database, retentionRules(retentionDefaults), {
      now,
      batchSize: 1,
      scanSize: 2,
    });

    expect(result).toEqual({
      stopped: false,
      pruned: {
        crm_sync_logs: 1,
        lender_calls: 2,
        idempotency_keys: 1,
        oauth_states: 1,
        operator_sessions: 2,
        link_tokens: 2,
        webhook_deliveries: 1,
        merchant_events: 1,
      },
    });
    expect(await ids("SELECT id FROM webhook_deliveries ORDER BY id")).toEqual([
      "whd_new_delivered",
      "whd_old_retrying",
    ]);
    expect(await ids("SELECT id FROM merchant_events ORDER BY id")).toEqual(["evt_new", "evt_old"]);
    expect(await ids("SELECT id FROM crm_sync_logs ORDER BY id")).toEqual(["crm_new"]);
    expect(await ids("SELECT id FROM lender_transactions ORDER BY id")).toEqual([
      "lend_new_call",
      "lend_old_event",
    ]);
    expect(await ids("SELECT key FROM idempotency_keys ORDER BY key")).toEqual(["idem_new"]);
    expect(await ids("SELECT id FROM oauth_states ORDER BY id")).toEqual([
      "state_holding",
      "state_new",
    ]);
    expect(await ids("SELECT id FROM operator_sessions ORDER BY id")).toEqual([
      "ses_expired_recent",
      "ses_held_by_state",
      "ses_live",
    ]);
    // Link rows stay (hash and times); only the dead links' encrypted tokens are gone.
    expect(
      await ids("SELECT id || ':' || coalesce(token_enc, '-') FROM application_links ORDER BY id"),
    ).toEqual([
      "link_expired_old:-",
      "link_expired_recent:v1.k1.iv.ct",
      "link_live:v1.k1.iv.ct",
      "link_revoked_old:-",
    ]);
    expect(await evidenceCounts()).toEqual(evidenceBefore);

    // A second round finds nothing more to do.
    const again = await applyRetention(database, retentionRules(retentionDefaults), { now });
    expect(Object.values(again.pruned).every((n) => n === 0)).toBe(true);
  });

  it("keeps a kind forever when its period is 0, and stops between batches when asked", async () => {
    const rules = retentionRules({ ...retentionDefaults, RETENTION_CRM_SYNC_LOG_DAYS: 0 });
    expect(rules.map((r) => r.name)).not.toContain("crm_sync_logs");

    await run(
      `INSERT INTO crm_sync_logs (id, crm, operation, outcome, created_at) VALUES
       ('crm_a', 'fieldroutes', 'note', 'ok', ?), ('crm_b', 'fieldroutes', 'note', 'ok', ?)`,
      [ago(400 * day), ago(400 * day)],
    );
    // Asked to stop once the first batch is written: the round ends there.
    let writes = 0;
    const writeBatch = database.writeBatch;
    database.writeBatch = (statements) => {
      writes++;
      return writeBatch(statements);
    };
    try {
      const stopped = await applyRetention(database, retentionRules(retentionDefaults), {
        now,
        batchSize: 1,
        shouldStop: () => writes >= 1,
      });
      expect(stopped).toEqual({ stopped: true, pruned: { crm_sync_logs: 1 } });
    } finally {
      database.writeBatch = writeBatch;
    }
    expect(writes).toBe(1);
    expect(await ids("SELECT id FROM crm_sync_logs ORDER BY id")).toHaveLength(2);
  });
});

describe("the job runner's maintenance round", () => {
  it("applies the retention rules on its schedule", async () => {
    await run(
      `INSERT INTO crm_sync_logs (id, crm, operation, outcome, created_at)
       VALUES ('crm_runner', 'fieldroutes', 'note', 'ok', ?)`,
      [Date.now() - 400 * day],
    );
    const runner = testRunner(database, new JobRegistry(), {
      pruneIntervalMs: 10,
      maintenance: async (at, stopping) => {
        await applyRetention(database, retentionRules(retentionDefaults), {
          now: at,
          shouldStop: stopping,
        });
      },
    }).start();
    try {
      await waitFor(
        async () => !(await ids("SELECT id FROM crm_sync_logs")).includes("crm_runner"),
      );
    } finally {
      await runner.stop();
    }
  });
});

describe("startJobRunner (the server and `jobs work`)", () => {
  it("prunes with the periods the environment sets", async () => {
    await run(
      `INSERT INTO crm_sync_logs (id, crm, operation, outcome, created_at) VALUES
       ('crm_env_old', 'fieldroutes', 'note', 'ok', ?), ('crm_env_young', 'fieldroutes', 'note', 'ok', ?)`,
      [Date.now() - 12 * day, Date.now() - 8 * day],
    );
    const env = parseEnv({ FLOWPAY_ENV: "test", RETENTION_CRM_SYNC_LOG_DAYS: "10" });
    expect(env.RETENTION_IDEMPOTENCY_HOURS).toBe(48);
    expect(() => parseEnv({ FLOWPAY_ENV: "test", RETENTION_IDEMPOTENCY_HOURS: "12" })).toThrow(
      /RETENTION_IDEMPOTENCY_HOURS/,
    );
    const runner = startJobRunner(database, env);
    try {
      await waitFor(
        async () => !(await ids("SELECT id FROM crm_sync_logs")).includes("crm_env_old"),
      );
      expect(await ids("SELECT id FROM crm_sync_logs")).toContain("crm_env_young");
    } finally {
      await runner.stop();
    }
  });
});

/**
 * The job runner's first maintenance round runs as the server starts: a walk over the rows a rule
 * keeps for good (a cleared link's row, a lender's event) grew with history and held /ready for
 * seconds at 1 M applications (issue 19, ADR 090). A rule that keeps old rows probes a partial
 * index of the rows that can become due; only rules that delete every old row walk.
 */
describe("what a retention round reads does not grow with history (ADR 090)", () => {
  it("probes a partial index for every rule that keeps old rows; walks only rules that delete them", async () => {
    const rules = retentionRules(retentionDefaults);
    expect(rules.filter((rule) => rule.index).map((rule) => rule.name)).toEqual([
      "lender_calls",
      "link_tokens",
    ]);
    for (const rule of rules) {
      const cutoffs = Array.from(rule.due.matchAll(/\?/g), () => now);
      const plan = (
        await database.client.execute({
          sql: `EXPLAIN QUERY PLAN ${retentionRead(rule)}`,
          args: [...cutoffs, ...(rule.index ? [] : [0]), 100],
        })
      ).rows.map((row) => String(row.detail));
      if (rule.index) {
        expect(plan.join("\n"), rule.name).toMatch(
          new RegExp(`^(SEARCH|SCAN) ${rule.table} USING (COVERING )?INDEX ${rule.index}\\b`),
        );
      } else {
        // An update keeps every row it touches: walked, it would be read again every round.
        expect(rule.update, rule.name).toBeUndefined();
        expect(plan[0], rule.name).toMatch(
          new RegExp(`^SEARCH ${rule.table} USING INTEGER PRIMARY KEY \\(rowid>\\?\\)`),
        );
      }
    }
  });

  it("reads none of the old rows the rules keep", async () => {
    // History: links whose tokens are long cleared, and lender events (kept for good).
    for (let i = 0; i < 30; i++) {
      const at = ago((400 - i) * day);
      await run(
        `INSERT INTO application_links (id, application_id, token_hash, expires_at, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
        [`link_history_${i}`, applicationId, `hash-history-${i}`, at + 7 * day, at, at],
      );
      await run(
        `INSERT INTO lender_transactions (id, application_id, lender, operation, outcome, created_at)
         VALUES (?, ?, 'mock', 'funded', 'event', ?)`,
        [`lend_history_${i}`, applicationId, at],
      );
    }
    let read = 0;
    const client = database.client;
    database.client = new Proxy(client, {
      get(target, prop, receiver) {
        if (prop !== "execute") return Reflect.get(target, prop, receiver);
        return async (statement: { sql: string; args: SqlValue[] }) => {
          const result = await target.execute(statement);
          if (/FROM (application_links|lender_transactions)\b/.test(statement.sql))
            read += result.rows.length;
          return result;
        };
      },
    });
    try {
      const result = await applyRetention(database, retentionRules(retentionDefaults), { now });
      expect(result.pruned).toMatchObject({ link_tokens: 0, lender_calls: 0 });
    } finally {
      database.client = client;
    }
    expect(read).toBe(0);
  });
});

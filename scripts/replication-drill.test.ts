import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { createClient } from "@libsql/client";
import { afterAll, describe, expect, it } from "vitest";
import { litestreamBinary } from "~/db/replication/restore";
import { freePort } from "./testing/spawn-server";

/**
 * The disaster-recovery drill (issue 19, ADR 041): the built server runs under
 * `litestream replicate` exactly as the container starts it (db/replication/entrypoint.sh) with a
 * file:// replica; CRM intake requests arrive under load; the whole process group is SIGKILLed
 * and the data directory (the volume) deleted; `flowpay db restore` brings the replica back into
 * a fresh directory and a server is started on it.
 *
 * Checks: every request acknowledged more than 1 s before the kill is in the restored database
 * (RPO ≤ 1 s), the file is intact (integrity_check), what is there is whole (every application
 * has its link, its text and its Idempotency-Key record — no half transactions), and the
 * restored server serves an application accepted before the crash. Prints the RPO window seen
 * and the time to serve again (RTO: restore + start to /ready). No timed assertion on RTO.
 */
const root = resolve(import.meta.dirname, "..");
const build = process.env.FLOWPAY_BUILD_DIR ?? "build";
const work = mkdtempSync(join(tmpdir(), "flowpay-drill-"));
const children: { pid?: number }[] = [];

afterAll(() => {
  for (const child of children) {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // already gone
    }
  }
  rmSync(work, { recursive: true, force: true });
});

// Secrets live outside the volume, as in production: losing the disk must not lose the keys.
const secrets = {
  SESSION_SECRET: randomBytes(32).toString("hex"),
  ENCRYPTION_KEYS: `k1:${randomBytes(32).toString("base64")}`,
};

function serverEnv(dataDir: string, port: number) {
  return {
    ...process.env,
    ...secrets,
    FLOWPAY_ENV: "test",
    LOG_LEVEL: "warn",
    HOST: "127.0.0.1",
    PORT: String(port),
    DATA_DIR: dataDir,
    DATABASE_URL: `file:${join(dataDir, "flowpay.db")}`,
    CRM_RATE_LIMIT_PER_MINUTE: "1000000",
  };
}

/** Starts the built server through the container's entrypoint, in a process group of its own. */
async function start(dataDir: string, extraEnv: Record<string, string> = {}) {
  const port = await freePort();
  const child = spawn(
    "sh",
    [
      "db/replication/entrypoint.sh",
      process.execPath,
      "node_modules/@remix-run/serve/dist/cli.js",
      `${build}/index.js`,
    ],
    {
      cwd: root,
      detached: true,
      env: { ...serverEnv(dataDir, port), ...extraEnv },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  children.push(child);
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      if ((await fetch(`${url}/ready`)).ok) return { child, url, output: () => output };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`server did not become ready:\n${output}`);
}

// The binary is installed on linux-x64 (the image, CI); elsewhere LITESTREAM_BIN names one.
describe.skipIf(!existsSync(litestreamBinary()))(
  "disaster recovery drill: Litestream replica, SIGKILL, lost volume, restore",
  () => {
    it("restores every request acknowledged more than 1 s before the crash", async () => {
      const dataDir = join(work, "volume");
      const replica = join(work, "replica");
      const replicaUrl = pathToFileURL(replica).toString();
      const server = await start(dataDir, { LITESTREAM_REPLICA_URL: replicaUrl });
      const apiKey = readFileSync(join(dataDir, "demo-api-key.txt"), "utf8").trim();

      // Load: eight clients sending intake requests back to back for ≈4 s.
      const acknowledged: { id: string; at: number }[] = [];
      let stop = false;
      let sent = 0;
      const client = async (n: number) => {
        while (!stop) {
          const i = sent++;
          try {
            const response = await fetch(`${server.url}/api/v1/crm/offer-financing`, {
              method: "POST",
              headers: {
                authorization: `Bearer ${apiKey}`,
                "content-type": "application/json",
                "idempotency-key": `drill-${i}`,
              },
              body: JSON.stringify({
                crm: "fieldroutes",
                crm_customer_id: `77${n}0${i % 50}`,
                customer: { first_name: "Dana", last_name: "Drill", phone: "+15125550123" },
                job: { crm_job_id: `78${i}`, estimate_cents: 500000 + i },
                send_sms: true,
              }),
            });
            const at = Date.now();
            if (response.status === 201) {
              const body = (await response.json()) as { application_id: string };
              acknowledged.push({ id: body.application_id, at });
            } else {
              expect.fail(`intake answered ${response.status}: ${await response.text()}`);
            }
          } catch (error) {
            if (!stop) throw error;
          }
        }
      };
      const clients = Array.from({ length: 8 }, (_, n) => client(n));
      await new Promise((r) => setTimeout(r, 4000));

      // The crash: every process of the "container" at once, mid-load; then the volume is lost.
      const killedAt = Date.now();
      process.kill(-server.child.pid!, "SIGKILL");
      stop = true;
      await Promise.allSettled(clients);
      rmSync(dataDir, { recursive: true, force: true });
      expect(existsSync(dataDir)).toBe(false);
      const requiredIds = acknowledged.filter((a) => a.at < killedAt - 1000).map((a) => a.id);
      // One generation: nothing checkpointed the WAL behind Litestream's back under load (our
      // connections keep SQLite's PASSIVE autocheckpoint, ADR 041), which would have forced a
      // second generation and a full snapshot.
      expect(readdirSync(join(replica, "generations"))).toHaveLength(1);
      // Enough history to mean something, even on a slow CI machine.
      expect(requiredIds.length).toBeGreaterThan(10);

      // Recovery: restore into a fresh directory with the operator CLI, then serve from it.
      const restoreStarted = Date.now();
      const freshDir = join(work, "fresh");
      mkdirSync(freshDir);
      const target = join(freshDir, "flowpay.db");
      const { stdout } = await promisify(execFile)(
        join(root, "node_modules/.bin/tsx"),
        ["scripts/cli.ts", "db", "restore", "--json", target],
        { cwd: root, env: { ...serverEnv(freshDir, 3000), LITESTREAM_REPLICA_URL: replicaUrl } },
      );
      const restoredMs = Date.now() - restoreStarted;
      const restored = JSON.parse(stdout) as {
        integrity: string;
        generation: string | null;
        durationMs: number;
      };
      expect(restored.integrity).toBe("ok");
      expect(restored.generation).toMatch(/^[0-9a-f]{16}$/);

      const db = createClient({ url: `file:${target}` });
      let present: Set<string>;
      try {
        const integrity = await db.execute("PRAGMA integrity_check");
        expect(integrity.rows[0]![0]).toBe("ok");
        present = new Set(
          (await db.execute("SELECT id FROM applications")).rows.map((row) => String(row.id)),
        );
        const missing = requiredIds.filter((id) => !present.has(id));
        expect(missing, "acknowledged > 1 s before the kill but not restored").toEqual([]);
        // Whole transactions only: each application with its link, its text, its Idempotency-Key
        // record (one per request), and nothing of a request without its application.
        const counts = (
          await db.execute(`SELECT
          (SELECT count(*) FROM applications) AS applications,
          (SELECT count(*) FROM idempotency_keys WHERE key LIKE 'drill-%') AS idempotency,
          (SELECT count(*) FROM applications a WHERE NOT EXISTS
            (SELECT 1 FROM application_links l WHERE l.application_id = a.id)) AS without_link,
          (SELECT count(*) FROM applications a WHERE NOT EXISTS
            (SELECT 1 FROM messages m WHERE m.application_id = a.id)) AS without_text`)
        ).rows[0]!;
        expect(Number(counts.applications)).toBe(present.size);
        expect(Number(counts.idempotency)).toBe(present.size);
        expect(Number(counts.without_link)).toBe(0);
        expect(Number(counts.without_text)).toBe(0);
      } finally {
        db.close();
      }

      // Serving again: the same image, no replica configured, on the restored file.
      const again = await start(freshDir);
      const rtoMs = Date.now() - restoreStarted;
      const lastRequired = requiredIds.at(-1)!;
      const status = await fetch(`${again.url}/api/v1/crm/applications/${lastRequired}`, {
        headers: { authorization: `Bearer ${apiKey}` },
      });
      expect(status.status).toBe(200);
      process.kill(-again.child.pid!, "SIGTERM");

      const newestAcked = Math.max(...acknowledged.map((a) => a.at));
      const lostAcked = acknowledged.filter((a) => !present.has(a.id));
      const oldestLost = lostAcked.length ? Math.min(...lostAcked.map((a) => a.at)) : null;
      console.log(
        [
          `replication drill: ${acknowledged.length} requests acknowledged in ≈4 s under load`,
          `  restored ${present.size}; lost ${lostAcked.length}` +
            (oldestLost === null
              ? ""
              : ` (all acknowledged within ${killedAt - oldestLost} ms before the kill; last ack ${killedAt - newestAcked} ms before it)`),
          `  RPO target: nothing acknowledged more than 1 s before the kill lost — met (${requiredIds.length} checked)`,
          `  RTO: restore ${restoredMs} ms (Litestream + checks ${restored.durationMs} ms, the rest is the CLI starting), restore + start to /ready ${rtoMs} ms`,
        ].join("\n"),
      );
    }, 60_000);
  },
);

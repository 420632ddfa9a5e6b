import { statfs } from "node:fs/promises";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { sql } from "drizzle-orm";
import { unavailableReason } from "~/db/errors";
import { pendingMigrations } from "~/db/migrate";
import { getEnv } from "./config/env.server";
import { getDatabase } from "./db.server";
import { singleton } from "~/app/singleton.server";

export type CheckResult = { ok: boolean; detail?: string };
type Check = () => Promise<CheckResult>;

const checks: Map<string, Check> = singleton<Map<string, Check>>("checks", () => new Map());

/** Other subsystems (the job runner) add what "ready" means for them. */
export function registerReadinessCheck(name: string, check: Check) {
  checks.set(name, check);
}

registerReadinessCheck("database", async () => {
  const database = await getDatabase();
  await database.db.run(sql`SELECT 1`);
  return { ok: true };
});

registerReadinessCheck("migrations", async () => {
  const pending = await pendingMigrations(await getDatabase());
  return pending === 0
    ? { ok: true }
    : { ok: false, detail: `${pending} migration(s) not applied` };
});

/**
 * The write path (ADR 024): reads working is not enough — disk full, another process holding the
 * write lock, a read-only file, a dead writer thread or a replaced file all let SELECT 1 pass.
 * A real write goes through the write queue and the writer (BEGIN IMMEDIATE, an empty COMMIT),
 * within READY_WRITE_PROBE_TIMEOUT_MS. Probes never pile up: a probe still running is shared.
 */
let probing: Promise<void> | null = null;

registerReadinessCheck("write_path", async () => {
  const database = await getDatabase();
  const health = database.writeHealth();
  if (health.refused) return { ok: false, detail: health.refused.message };
  if (health.writer === "restarting" || health.writer === "dead" || health.writer === "closed")
    return { ok: false, detail: `database writer thread ${health.writer}` };
  const timeoutMs = getEnv().READY_WRITE_PROBE_TIMEOUT_MS;
  probing ??= database.probeWrite().finally(() => (probing = null));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  try {
    const outcome = await Promise.race([probing.then(() => "ok" as const), timedOut]);
    if (outcome === "timeout")
      return { ok: false, detail: `write probe did not finish within ${timeoutMs} ms` };
    return { ok: true };
  } catch (error) {
    const reason = unavailableReason(error);
    const message = (error as Error).message;
    return { ok: false, detail: reason ? `${reason}: ${message}` : message };
  } finally {
    clearTimeout(timer);
  }
});

/** Free space on the database's file system: below READY_MIN_FREE_DISK_MB, writes are near failing. */
registerReadinessCheck("disk_space", async () => {
  const { DATABASE_URL, READY_MIN_FREE_DISK_MB } = getEnv();
  if (READY_MIN_FREE_DISK_MB === 0 || !DATABASE_URL.startsWith("file:")) return { ok: true };
  const file = DATABASE_URL.startsWith("file://")
    ? fileURLToPath(DATABASE_URL)
    : DATABASE_URL.slice("file:".length).split("?")[0]!;
  if (file === ":memory:") return { ok: true };
  const stats = await statfs(dirname(file));
  const freeMb = Math.floor((Number(stats.bavail) * Number(stats.bsize)) / 1024 / 1024);
  return freeMb >= READY_MIN_FREE_DISK_MB
    ? { ok: true, detail: `${freeMb} MB free` }
    : {
        ok: false,
        detail: `${freeMb} MB free on the database's file system, less than READY_MIN_FREE_DISK_MB=${READY_MIN_FREE_DISK_MB}`,
      };
});

/** Runs every check; a check that throws counts as failed with its message. */
export async function readiness() {
  const results: Record<string, CheckResult> = {};
  await Promise.all(
    [...checks].map(async ([name, check]) => {
      try {
        results[name] = await check();
      } catch (error) {
        results[name] = { ok: false, detail: (error as Error).message };
      }
    }),
  );
  return { ok: Object.values(results).every((r) => r.ok), checks: results };
}

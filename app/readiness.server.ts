import { sql } from "drizzle-orm";
import { pendingMigrations } from "../db/migrate";
import { getDatabase } from "./db.server";

export type CheckResult = { ok: boolean; detail?: string };
type Check = () => Promise<CheckResult>;

const globalForChecks = globalThis as unknown as { __flowpayChecks?: Map<string, Check> };
const checks: Map<string, Check> = (globalForChecks.__flowpayChecks ??= new Map());

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

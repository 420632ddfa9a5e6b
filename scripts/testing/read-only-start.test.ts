import { chmodSync, chownSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { spawnServer } from "./spawn-server";

/**
 * Issue 13, item 10: a server started where it cannot write says what is wrong and what to do in
 * one line naming the file or directory, and exits non-zero — no stack trace ("Failed query:
 * UPDATE outbox …"). The built server runs as the unprivileged user `nobody`: tests run as root,
 * whom file permissions do not stop, so this is a real read-only directory and file, not a
 * simulation. (A read-only mount would answer the same SQLITE_READONLY / EROFS.)
 */
const nobody = 65534;
const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function dataDir() {
  const dir = mkdtempSync(join(tmpdir(), "flowpay-ro-"));
  dirs.push(dir);
  chmodSync(dir, 0o755);
  chownSync(dir, nobody, nobody);
  return dir;
}

// Given, so that the generated ones need not be written into DATA_DIR.
const secrets = {
  SESSION_SECRET: "ro-test-session-secret-0123456789abcdef",
  ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString("base64")}`,
  JOBS_ENABLED: "false",
};

async function startAsNobody(dir: string, env: Record<string, string> = {}) {
  const server = await spawnServer({ dataDir: dir, uid: nobody, waitReady: false, env });
  const { code } = await server.exited;
  return { code, output: server.output() };
}

describe("starting where nothing can be written", () => {
  it("an unwritable DATA_DIR: one line naming it, exit 1", async () => {
    const dir = dataDir();
    chmodSync(dir, 0o555);
    const { code, output } = await startAsNobody(dir);
    expect(code).toBe(1);
    expect(output).toContain(`FlowPay cannot start: cannot write ${dir}/`);
    expect(output).toContain(`DATA_DIR (${dir})`);
    expect(output).not.toMatch(/^\s+at /m);
  }, 60_000);

  it("a read-only database file and directory: one line naming the file, exit 1", async () => {
    const dir = dataDir();
    // A database made by a first, normal start…
    const first = await spawnServer({ dataDir: dir, uid: nobody, env: secrets });
    await first.stop();
    // …then its directory and files made read-only.
    for (const name of ["", "flowpay.db", "flowpay.db-wal", "flowpay.db-shm"]) {
      try {
        chmodSync(join(dir, name), name ? 0o444 : 0o555);
      } catch {
        // -wal/-shm are gone after a clean stop
      }
    }
    const { code, output } = await startAsNobody(dir, secrets);
    expect(code).toBe(1);
    expect(output).toMatch(
      new RegExp(
        `FlowPay cannot start: the database file ${join(dir, "flowpay.db")} cannot be (written|opened)`,
      ),
    );
    expect(output).toContain(`Make ${dir} and the database files in it writable`);
    expect(output).not.toContain("Failed query");
    expect(output).not.toMatch(/^\s+at /m);
  }, 60_000);
});

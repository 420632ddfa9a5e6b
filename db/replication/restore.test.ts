import { execFile, execFileSync, spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { createClient } from "@libsql/client";
import { afterAll, describe, expect, it } from "vitest";
import { litestreamBinary, litestreamDefaults, restoreDatabase, RestoreError } from "./restore";

const root = resolve(import.meta.dirname, "../..");
const dir = mkdtempSync(join(tmpdir(), "flowpay-restore-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function filesUnder(path: string): number {
  if (!existsSync(path)) return 0;
  return readdirSync(path, { withFileTypes: true }).reduce(
    (n, entry) => n + (entry.isDirectory() ? filesUnder(join(path, entry.name)) : 1),
    0,
  );
}

/** `litestream replicate` in the background, for a test to watch and stop. */
function startReplicating(config: string, replicaDir: string) {
  const child = spawn(litestreamBinary(), ["replicate", "-config", config], { stdio: "ignore" });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  let seen = filesUnder(replicaDir);
  return {
    /** Waits until something new reached the replica (however slow the machine), then 1.5 s. */
    async synced() {
      const deadline = Date.now() + 20_000;
      while (filesUnder(replicaDir) <= seen && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      await new Promise((r) => setTimeout(r, 1500));
      seen = filesUnder(replicaDir);
    },
    /** SIGTERM: a last sync, then exit. */
    async stop() {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** Replicates what the file holds now, then stops. */
async function replicateOnce(config: string, replicaDir: string) {
  const litestream = startReplicating(config, replicaDir);
  await litestream.synced();
  await litestream.stop();
}

// The binary is installed on linux-x64 (the image, CI); elsewhere LITESTREAM_BIN names one.
const haveBinary = existsSync(litestreamBinary());

describe.skipIf(!haveBinary)("the Litestream binary and the entrypoint", () => {
  it("is the pinned 0.3.13 binary", () => {
    expect(execFileSync(litestreamBinary(), ["version"]).toString().trim()).toBe("v0.3.13");
  });

  it("runs its arguments unchanged (no Litestream) when no replica is configured", () => {
    const env = { ...process.env, LITESTREAM_REPLICA_URL: "" };
    const out = execFileSync("sh", ["db/replication/entrypoint.sh", "echo", "a b", "c"], {
      cwd: root,
      env,
    });
    expect(out.toString()).toBe("a b c\n");
  });

  it("runs anything but the web server without Litestream even when a replica is configured", () => {
    const env = { ...process.env, LITESTREAM_REPLICA_URL: "file:///nowhere" };
    const out = execFileSync("sh", ["db/replication/entrypoint.sh", "echo", "jobs", "work"], {
      cwd: root,
      env,
    });
    expect(out.toString()).toBe("jobs work\n");
  });

  it("gives the configuration the same defaults as restoreDatabase", () => {
    const script = readFileSync(join(root, "db/replication/entrypoint.sh"), "utf8");
    for (const [name, value] of Object.entries(litestreamDefaults)) {
      expect(script).toContain(`export ${name}="\${${name}:-${value}}"`);
    }
  });
});

describe.skipIf(!haveBinary)("restoreDatabase", () => {
  it("restores a libSQL-written file replicated by Litestream, and never overwrites", async () => {
    // A database written through @libsql/client (WAL mode), replicated once by Litestream.
    const source = join(dir, "source.db");
    const client = createClient({ url: `file:${source}` });
    await client.execute("PRAGMA journal_mode=WAL");
    await client.execute("CREATE TABLE applications (id TEXT PRIMARY KEY, created_at INTEGER)");
    await client.execute({
      sql: "INSERT INTO applications VALUES ('app_1', ?), ('app_2', ?)",
      args: [Date.UTC(2026, 11, 1), Date.UTC(2026, 11, 2)],
    });
    const replicaUrl = pathToFileURL(join(dir, "replica")).toString();
    const config = join(dir, "litestream.yml");
    writeFileSync(config, `dbs:\n  - path: ${source}\n    replicas:\n      - url: ${replicaUrl}\n`);
    await replicateOnce(config, join(dir, "replica"));
    client.close();

    const target = join(dir, "restored", "flowpay.db");
    mkdirSync(join(dir, "restored"));
    const result = await restoreDatabase({ replicaUrl, target, databasePath: source });
    expect(result).toMatchObject({
      path: target,
      integrity: "ok",
      counts: { applications: 2 },
      newestApplicationAt: "2026-12-02T00:00:00.000Z",
    });
    expect(result.generation).toMatch(/^[0-9a-f]{16}$/);
    // Nothing left beside it: no -wal/-shm or temporary directory.
    expect(readdirSync(join(dir, "restored"))).toEqual(["flowpay.db"]);

    const before = readFileSync(target);
    await expect(restoreDatabase({ replicaUrl, target, databasePath: source })).rejects.toThrow(
      RestoreError,
    );
    expect(readFileSync(target).equals(before)).toBe(true);
  });

  it("restores the state as of --timestamp: what was replicated before it, not after", async () => {
    const source = join(dir, "pitr.db");
    const replicaUrl = pathToFileURL(join(dir, "pitr-replica")).toString();
    const config = join(dir, "pitr.yml");
    writeFileSync(config, `dbs:\n  - path: ${source}\n    replicas:\n      - url: ${replicaUrl}\n`);
    const client = createClient({ url: `file:${source}` });
    await client.execute("PRAGMA journal_mode=WAL");
    await client.execute("CREATE TABLE applications (id TEXT PRIMARY KEY, created_at INTEGER)");
    // One continuous run, as in production: a point in time lies within one generation.
    const litestream = startReplicating(config, join(dir, "pitr-replica"));
    await client.execute("INSERT INTO applications VALUES ('before', 1)");
    await litestream.synced();
    const between = new Date();
    await new Promise((r) => setTimeout(r, 1100));
    await client.execute("INSERT INTO applications VALUES ('after', 2)");
    await litestream.synced();
    await litestream.stop();
    client.close();

    const asOf = await restoreDatabase({
      replicaUrl,
      target: join(dir, "pitr-as-of.db"),
      timestamp: between,
      databasePath: source,
    });
    expect(asOf).toMatchObject({ counts: { applications: 1 }, timestamp: between.toISOString() });
    const latest = await restoreDatabase({
      replicaUrl,
      target: join(dir, "pitr-latest.db"),
      databasePath: source,
    });
    expect(latest.counts).toEqual({ applications: 2 });
  });

  it("says so when the replica holds nothing", async () => {
    const target = join(dir, "empty.db");
    await expect(
      restoreDatabase({ replicaUrl: pathToFileURL(join(dir, "nothing")).toString(), target }),
    ).rejects.toThrow(/no (matching )?(backups|generations|snapshots)/i);
    expect(existsSync(target)).toBe(false);
  });
});

describe("flowpay db restore", () => {
  const cli = async (args: string[], env: Record<string, string> = {}) => {
    try {
      const { stdout } = await promisify(execFile)(
        join(root, "node_modules/.bin/tsx"),
        ["scripts/cli.ts", ...args],
        {
          cwd: root,
          env: {
            ...process.env,
            FLOWPAY_ENV: "test",
            DATA_DIR: dir,
            LITESTREAM_REPLICA_URL: "",
            ...env,
          },
        },
      );
      return { code: 0, out: stdout };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, out: `${e.stdout}${e.stderr}` };
    }
  };

  it("needs a replica, a valid --timestamp, and never overwrites", async () => {
    const target = join(dir, "cli-target.db");
    writeFileSync(target, "precious");
    const [noReplica, badTime, exists] = await Promise.all([
      cli(["db", "restore", target]),
      cli(["db", "restore", "--timestamp", "yesterday", "--replica", "file:///nowhere", target]),
      cli(["db", "restore", target], { LITESTREAM_REPLICA_URL: "file:///nowhere" }),
    ]);
    expect(noReplica).toMatchObject({
      code: 2,
      out: expect.stringContaining("LITESTREAM_REPLICA_URL"),
    });
    expect(badTime).toMatchObject({
      code: 2,
      out: expect.stringContaining("--timestamp must be an ISO 8601"),
    });
    expect(exists).toMatchObject({
      code: 1,
      out: expect.stringContaining("Refusing to overwrite"),
    });
    expect(readFileSync(target, "utf8")).toBe("precious");
  });
});

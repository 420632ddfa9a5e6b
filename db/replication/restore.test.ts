import { execFileSync } from "node:child_process";
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
import { createClient } from "@libsql/client";
import { afterAll, describe, expect, it } from "vitest";
import { litestreamBinary, litestreamDefaults, restoreDatabase, RestoreError } from "./restore";

const root = resolve(import.meta.dirname, "../..");
const dir = mkdtempSync(join(tmpdir(), "flowpay-restore-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the Litestream binary and the entrypoint", () => {
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

  it("gives the configuration the same defaults as restoreDatabase", () => {
    const script = readFileSync(join(root, "db/replication/entrypoint.sh"), "utf8");
    for (const [name, value] of Object.entries(litestreamDefaults)) {
      expect(script).toContain(`export ${name}="\${${name}:-${value}}"`);
    }
  });
});

describe("restoreDatabase", () => {
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
    // `replicate -exec` takes a snapshot, then stops when its command exits (with a last sync).
    execFileSync(litestreamBinary(), ["replicate", "-config", config, "-exec", "sleep 1"]);
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

  it("says so when the replica holds nothing", async () => {
    const target = join(dir, "empty.db");
    await expect(
      restoreDatabase({ replicaUrl: pathToFileURL(join(dir, "nothing")).toString(), target }),
    ).rejects.toThrow(/no (matching )?(backups|generations|snapshots)/i);
    expect(existsSync(target)).toBe(false);
  });
});

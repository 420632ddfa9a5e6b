import { execFile } from "node:child_process";
import {
  closeSync,
  existsSync,
  fsyncSync,
  linkSync,
  mkdtempSync,
  openSync,
  rmSync,
  statSync,
} from "node:fs";
import { arch, platform } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createClient } from "@libsql/client";
import { localDatabasePath } from "~/db/backup";

/**
 * Continuous replication with Litestream (ADR 041): the container runs the server under
 * `litestream replicate` (db/replication/entrypoint.sh) when LITESTREAM_REPLICA_URL is set, and
 * `flowpay db restore` brings a replica back as a database file (this module).
 */

const root = resolve(fileURLToPath(new URL(".", import.meta.url)), "../..");

/** The configuration both `replicate` (entrypoint.sh) and `restore` read, its values from env. */
export const litestreamConfigPath = join(root, "db/replication/litestream.yml");

/**
 * The defaults entrypoint.sh gives the configuration's variables when they are unset (kept equal
 * to the shell script's; db/replication/restore.test.ts compares them).
 */
export const litestreamDefaults = {
  LITESTREAM_MONITOR_INTERVAL: "200ms",
  LITESTREAM_SYNC_INTERVAL: "500ms",
  LITESTREAM_RETENTION: "168h",
  LITESTREAM_SNAPSHOT_INTERVAL: "6h",
  LITESTREAM_LOG_LEVEL: "warn",
  LITESTREAM_METRICS_ADDR: "",
  LITESTREAM_S3_ENDPOINT: "",
  LITESTREAM_S3_REGION: "",
} as const;

export class RestoreError extends Error {
  override name = "RestoreError";
}

/**
 * The Litestream binary: LITESTREAM_BIN, or the one in the platform package
 * (@flydotio/litestream-linux-x64, an optional dependency: other platforms set LITESTREAM_BIN).
 */
export function litestreamBinary(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LITESTREAM_BIN) return env.LITESTREAM_BIN;
  return join(root, "node_modules/@flydotio", `litestream-${platform()}-${arch()}`, "litestream");
}

/** The environment Litestream reads its configuration from, defaults filled in. */
export function litestreamEnv(
  replicaUrl: string,
  databasePath: string,
  env: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  const filled: NodeJS.ProcessEnv = { ...env };
  for (const [name, value] of Object.entries(litestreamDefaults)) filled[name] ??= value;
  return { ...filled, LITESTREAM_REPLICA_URL: replicaUrl, LITESTREAM_DB_PATH: databasePath };
}

export type RestoreResult = {
  /** Absolute path of the restored database file. */
  path: string;
  replica: string;
  /** The Litestream generation the copy came from, and its last WAL index applied. */
  generation: string | null;
  walIndex: number | null;
  /** The point in time asked for (--timestamp), or null for the latest state. */
  timestamp: string | null;
  bytes: number;
  durationMs: number;
  integrity: string;
  /** Rows in a few main tables, and the newest application's creation time. */
  counts: Record<string, number>;
  newestApplicationAt: string | null;
};

/** The replica URL with any user:password part blanked, for messages. */
export function describeReplica(url: string) {
  try {
    const parsed = new URL(url);
    if (parsed.username || parsed.password) {
      parsed.username = "…";
      parsed.password = "";
    }
    return parsed.toString();
  } catch {
    return url;
  }
}

/**
 * Restores the replica's latest state (or the state at `timestamp`) into `target`, a file that
 * must not exist. Litestream restores into a private directory beside the target; the copy is
 * checked (`PRAGMA integrity_check`), fsynced and hard-linked into place, so the target is either
 * absent or a complete, checked database — and an existing file is never overwritten.
 */
export async function restoreDatabase(options: {
  replicaUrl: string;
  target: string;
  timestamp?: Date;
  /** The live database's path (the configuration's key); any path works for a restore. */
  databasePath?: string;
  env?: NodeJS.ProcessEnv;
}): Promise<RestoreResult> {
  const env = options.env ?? process.env;
  const target = resolve(options.target);
  if (existsSync(target)) throw new RestoreError(`Refusing to overwrite ${target}: it exists`);
  const binary = litestreamBinary(env);
  if (!existsSync(binary)) {
    throw new RestoreError(
      `The Litestream binary is missing (${binary}): run npm ci on linux-x64 (@flydotio/litestream-linux-x64) or set LITESTREAM_BIN`,
    );
  }
  const databasePath =
    options.databasePath ??
    (env.DATABASE_URL && localDatabasePath(env.DATABASE_URL)) ??
    resolve("flowpay.db");
  const started = performance.now();
  const work = mkdtempSync(join(dirname(target), `.${basename(target)}.restore-`));
  const partial = join(work, basename(target));
  try {
    const args = ["restore", "-config", litestreamConfigPath, "-o", partial];
    if (options.timestamp) args.push("-timestamp", options.timestamp.toISOString());
    args.push(databasePath);
    let log: string;
    try {
      const { stdout, stderr } = await promisify(execFile)(binary, args, {
        // "info" here: the generation and WAL index restored are read from its log lines.
        env: {
          ...litestreamEnv(options.replicaUrl, databasePath, env),
          LITESTREAM_LOG_LEVEL: "info",
        },
      });
      log = `${stdout}\n${stderr}`;
    } catch (error) {
      const e = error as { stderr?: string; message: string };
      const last = (e.stderr || e.message).trim().split("\n").at(-1) ?? "";
      const reason = /error="((?:[^"\\]|\\.)*)"/.exec(last)?.[1] ?? last;
      throw new RestoreError(
        `Litestream could not restore from ${describeReplica(options.replicaUrl)}: ${reason}`,
      );
    }
    if (!existsSync(partial)) {
      throw new RestoreError(
        `Nothing to restore: ${describeReplica(options.replicaUrl)} holds no backup${options.timestamp ? ` at or before ${options.timestamp.toISOString()}` : ""}`,
      );
    }
    const generation = /generation=([0-9a-f]+)/.exec(log)?.[1] ?? null;
    const indexes = [...log.matchAll(/index(?:_max)?=(\d+)/g)].map((m) => Number(m[1]));
    const summary = await inspect(partial);
    if (summary.integrity !== "ok") {
      throw new RestoreError(`The restored copy failed its integrity check: ${summary.integrity}`);
    }
    fsyncPath(partial);
    try {
      linkSync(partial, target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") {
        throw new RestoreError(`Refusing to overwrite ${target}: it exists`);
      }
      throw error;
    }
    fsyncPath(dirname(target));
    return {
      path: target,
      replica: describeReplica(options.replicaUrl),
      generation,
      walIndex: indexes.length > 0 ? Math.max(...indexes) : null,
      timestamp: options.timestamp?.toISOString() ?? null,
      bytes: statSync(target).size,
      durationMs: Math.round(performance.now() - started),
      ...summary,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** What the restored file holds: its integrity, a few counts, the newest application. */
async function inspect(path: string) {
  const client = createClient({ url: `file:${path}` });
  try {
    const integrity = (await client.execute("PRAGMA integrity_check")).rows
      .map((row) => String(row[0]))
      .join("; ");
    const counts: Record<string, number> = {};
    let newestApplicationAt: string | null = null;
    if (integrity === "ok") {
      for (const table of ["applications", "decisions", "outbox", "audit_logs"]) {
        const exists = await client.execute({
          sql: "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
          args: [table],
        });
        if (exists.rows.length === 0) continue;
        counts[table] = Number(
          (await client.execute(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n,
        );
      }
      if ("applications" in counts) {
        const newest = (await client.execute("SELECT max(created_at) AS at FROM applications"))
          .rows[0]!.at;
        newestApplicationAt = newest == null ? null : new Date(Number(newest)).toISOString();
      }
    }
    return { integrity, counts, newestApplicationAt };
  } finally {
    client.close();
  }
}

function fsyncPath(path: string) {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

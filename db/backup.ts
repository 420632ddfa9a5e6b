import { randomBytes } from "node:crypto";
import {
  closeSync,
  constants,
  copyFileSync,
  existsSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  rmSync,
  statSync,
} from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createClient } from "@libsql/client";
import type { Database } from "./client";

export class BackupError extends Error {
  override name = "BackupError";
}

export type BackupResult = {
  /** Absolute path of the new backup file. */
  path: string;
  bytes: number;
  durationMs: number;
  /** Result of `PRAGMA integrity_check` on the copy ("ok"). */
  integrity: string;
};

/** The local file behind a `file:` URL, or undefined for remote and in-memory databases. */
export function localDatabasePath(url: string): string | undefined {
  if (!url.startsWith("file:")) return undefined;
  const path = url.startsWith("file://") ? fileURLToPath(url) : url.slice("file:".length);
  const withoutQuery = path.split("?")[0]!;
  return withoutQuery === ":memory:" || withoutQuery === "" ? undefined : resolve(withoutQuery);
}

/**
 * An online, consistent copy of a live database file: `VACUUM INTO` reads one snapshot (a
 * single read transaction, so in WAL mode other processes keep writing meanwhile and none of
 * their later commits leak into the copy) and writes a compact, self-contained database file
 * (no -wal to carry along).
 *
 * The copy is written next to the destination under a temporary name, checked with
 * `PRAGMA integrity_check`, fsynced, then hard-linked into place, which fails rather than
 * overwrite a file that appeared meanwhile: the destination is either absent or a complete,
 * checked backup. The native driver runs the copy on the calling thread, so this belongs in
 * the CLI or a job process, never in the request path.
 *
 * A remote libSQL server (libsql:, http(s):, ws(s):) is refused: its files are not ours to
 * copy; use the server's own snapshot/backup tooling.
 */
export async function backupDatabase(
  database: Pick<Database, "url" | "client">,
  destination: string,
): Promise<BackupResult> {
  const source = localDatabasePath(database.url);
  if (!source) {
    throw new BackupError(
      database.url.startsWith("file:")
        ? "db backup needs a database file, not an in-memory database"
        : `db backup copies a local database file (DATABASE_URL=file:…), but DATABASE_URL points to a remote libSQL server (${database.url.split(":")[0]}:…): use that server's own backup or snapshot tooling`,
    );
  }
  const target = resolve(destination);
  if (target === source) throw new BackupError("The backup file cannot be the live database");
  if (existsSync(target)) throw new BackupError(`Refusing to overwrite ${target}: it exists`);
  mkdirSync(dirname(target), { recursive: true });

  const started = performance.now();
  const partial = join(
    dirname(target),
    `.${basename(target)}.${randomBytes(6).toString("hex")}.partial`,
  );
  try {
    await database.client.execute({ sql: "VACUUM INTO ?", args: [partial] });
    const integrity = await integrityCheck(partial);
    if (integrity !== "ok")
      throw new BackupError(`The copy failed its integrity check: ${integrity}`);
    fsyncFile(partial);
    publish(partial, target);
    fsyncFile(dirname(target));
    return {
      path: target,
      bytes: statSync(target).size,
      durationMs: Math.round(performance.now() - started),
      integrity,
    };
  } finally {
    for (const leftover of [partial, `${partial}-wal`, `${partial}-shm`, `${partial}-journal`]) {
      rmSync(leftover, { force: true });
    }
  }
}

async function integrityCheck(path: string): Promise<string> {
  const client = createClient({ url: `file:${path}` });
  try {
    const result = await client.execute("PRAGMA integrity_check");
    return result.rows.map((row) => String(row[0])).join("; ");
  } finally {
    client.close();
  }
}

/** Puts the finished copy at `target` without ever replacing an existing file. */
function publish(partial: string, target: string) {
  try {
    linkSync(partial, target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") throw new BackupError(`Refusing to overwrite ${target}: it exists`);
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EXDEV") throw error;
    // A filesystem without hard links: an exclusive copy still never overwrites.
    try {
      copyFileSync(partial, target, constants.COPYFILE_EXCL);
    } catch (copyError) {
      if ((copyError as NodeJS.ErrnoException).code === "EEXIST") {
        throw new BackupError(`Refusing to overwrite ${target}: it exists`);
      }
      throw copyError;
    }
    fsyncFile(target);
  }
}

function fsyncFile(path: string) {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

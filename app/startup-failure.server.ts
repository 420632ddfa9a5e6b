import { dirname } from "node:path";
import { unavailableReason } from "~/db/errors";
import { databaseFilePath } from "~/db/client";
import type { Env } from "./config/env.server";

/**
 * What a start-up failure of the machine (not of the code) means, in one line naming the file or
 * directory, the cause and what to do (issue 13, item 10) — instead of a raw stack trace such as
 * "Failed query: UPDATE outbox …". Null when the failure is something else (a bug: the stack
 * trace is then the useful thing).
 */
export function describeStartupFailure(
  error: unknown,
  env: Pick<Env, "DATABASE_URL" | "DATA_DIR">,
) {
  const user = typeof process.getuid === "function" ? ` (uid ${process.getuid()})` : "";
  const file = env.DATABASE_URL.startsWith("file:") ? databaseFilePath(env.DATABASE_URL) : null;
  const where = file ? `the database file ${file}` : `the database at DATABASE_URL`;
  const dir = file ? dirname(file) : null;
  const fix = file
    ? `Make ${dir} and the database files in it writable by the user running FlowPay${user}, or point DATABASE_URL at a writable location.`
    : "Check the database server and DATABASE_AUTH_TOKEN.";
  switch (unavailableReason(error)) {
    case "read_only":
      return `${where} cannot be written: it, its directory or its file system is read-only. ${fix}`;
    case "cannot_open":
      return `${where} cannot be opened or created${dir ? ` (in ${dir})` : ""}. ${fix}`;
    case "disk_full":
      return `the disk holding ${where} is full. Free space on it, then start FlowPay again.`;
    case "io_error":
      return `the operating system reported an I/O error on ${where}. Check the disk and its file system, then start FlowPay again.`;
    case "busy":
      return `${where} is locked by another process. Stop whatever holds it (another FlowPay with a long write, a backup tool), then start FlowPay again.`;
    default:
      break;
  }
  // File system errors of DATA_DIR (generated secrets, the demo API key) and of the database's
  // directory, from node:fs.
  const e = error as { code?: unknown; path?: unknown } | null;
  const path = typeof e?.path === "string" ? e.path : null;
  const causes: Record<string, string> = {
    EACCES: "permission denied",
    EPERM: "operation not permitted",
    EROFS: "the file system is read-only",
    ENOSPC: "the disk is full",
  };
  const cause = typeof e?.code === "string" ? causes[e.code] : undefined;
  if (cause && path) {
    return `cannot write ${path}: ${cause} (${String(e!.code)}). DATA_DIR (${env.DATA_DIR}) and the database's directory must be writable by the user running FlowPay${user}.`;
  }
  return null;
}

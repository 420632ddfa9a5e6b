/**
 * Which failures mean "the database cannot write right now" (ADR 024) — a condition of the
 * machine, not a bug in a request: the answer is 503 with Retry-After (the caller may retry, a
 * load balancer may route elsewhere) and `/ready` goes 503, never a 500 that looks like our bug.
 *
 * Classified in one place, from SQLite's result codes (through @libsql/client, the native
 * driver, drizzle's "Failed query" wrapper and the writer thread's rebuilt errors alike) and
 * from our own write-path failures (writer thread gone, database file replaced).
 */

export type UnavailableReason =
  /** SQLITE_FULL: the disk (or the file's size limit) is full. */
  | "disk_full"
  /** SQLITE_BUSY / SQLITE_LOCKED after the busy timeout: another process holds the write lock. */
  | "busy"
  /** SQLITE_READONLY: the file, its directory or the file system cannot be written. */
  | "read_only"
  /** SQLITE_IOERR: the operating system refused a read or write. */
  | "io_error"
  /** SQLITE_CANTOPEN: the file (or its -wal/-shm) cannot be opened or created. */
  | "cannot_open"
  /** The database writer thread stopped (ADR 019) and is restarting, or gave up. */
  | "writer_dead"
  /** The file at the database's path is no longer the one this process opened (ADR 025). */
  | "file_replaced"
  /** The database handle was closed (shutdown). */
  | "closed";

const messages: Record<UnavailableReason, string> = {
  disk_full: "the disk holding the database is full",
  busy: "the database is locked by another process",
  read_only: "the database cannot be written (read-only file, directory or file system)",
  io_error: "the operating system reported an I/O error on the database",
  cannot_open: "the database file cannot be opened",
  writer_dead: "the database writer thread is not running",
  file_replaced: "the database file was deleted or replaced while the server was running",
  closed: "the database is closed",
};

/** A write refused because the database cannot write; `reason` says which condition. */
export class DatabaseUnavailableError extends Error {
  override name = "DatabaseUnavailableError";
  readonly code = "FLOWPAY_DATABASE_UNAVAILABLE";
  constructor(
    readonly reason: UnavailableReason,
    detail?: string,
    options?: { cause?: unknown },
  ) {
    super(`Database unavailable: ${messages[reason]}${detail ? ` (${detail})` : ""}`, options);
  }
}

/** SQLite's primary result codes (the low byte of an extended code). */
const primary: Record<number, UnavailableReason> = {
  5: "busy",
  6: "busy",
  8: "read_only",
  10: "io_error",
  13: "disk_full",
  14: "cannot_open",
};

const byCode: [prefix: string, reason: UnavailableReason][] = [
  ["SQLITE_BUSY", "busy"],
  ["SQLITE_LOCKED", "busy"],
  ["SQLITE_READONLY", "read_only"],
  ["SQLITE_IOERR", "io_error"],
  ["SQLITE_FULL", "disk_full"],
  ["SQLITE_CANTOPEN", "cannot_open"],
];

/** When the driver gives no code, its message (SQLite's own sqlite3_errstr texts). */
const byMessage: [RegExp, UnavailableReason][] = [
  [/database is locked|database table is locked|database is busy/i, "busy"],
  [/attempt to write a readonly database|readonly database/i, "read_only"],
  [/disk I\/O error/i, "io_error"],
  [/database or disk is full/i, "disk_full"],
  [/unable to open database file/i, "cannot_open"],
  // The native driver's own wording when a connection cannot be opened (code 14 is CANTOPEN).
  [/unable to open connection to local database/i, "cannot_open"],
];

type ErrorLike = {
  name?: unknown;
  code?: unknown;
  rawCode?: unknown;
  reason?: unknown;
  message?: unknown;
  cause?: unknown;
};

function reasonOf(e: ErrorLike): UnavailableReason | null {
  if (e.name === "DatabaseUnavailableError" && typeof e.reason === "string")
    return e.reason as UnavailableReason;
  // The writer thread's errors cross as plain data: name and code survive, the class does not.
  if (e.code === "FLOWPAY_DATABASE_REPLACED") return "file_replaced";
  if (e.code === "FLOWPAY_DATABASE_UNAVAILABLE" && typeof e.reason === "string")
    return e.reason as UnavailableReason;
  if (typeof e.rawCode === "number" && primary[e.rawCode & 0xff]) return primary[e.rawCode & 0xff]!;
  if (typeof e.code === "string") {
    for (const [prefix, reason] of byCode) if (e.code.startsWith(prefix)) return reason;
  }
  if (typeof e.message === "string") {
    for (const [pattern, reason] of byMessage) if (pattern.test(e.message)) return reason;
  }
  return null;
}

/**
 * The reason an error means "the database cannot write", or null when it means something else
 * (a constraint, a bug). Looks through `cause` chains (drizzle wraps driver errors).
 */
export function unavailableReason(error: unknown): UnavailableReason | null {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current && typeof current === "object"; depth++) {
    const found = reasonOf(current as ErrorLike);
    if (found) return found;
    current = (current as ErrorLike).cause;
  }
  return null;
}

export function isDatabaseUnavailable(error: unknown): boolean {
  return unavailableReason(error) !== null;
}

/** The error as a DatabaseUnavailableError when it is one of those conditions; else unchanged. */
export function asUnavailable(error: unknown): unknown {
  if (error instanceof DatabaseUnavailableError) return error;
  const reason = unavailableReason(error);
  if (!reason) return error;
  const detail = (error as ErrorLike | undefined)?.message;
  return new DatabaseUnavailableError(reason, typeof detail === "string" ? detail : undefined, {
    cause: error,
  });
}

import { userInfo } from "node:os";
import { parseArgs, type ParseArgsConfig } from "node:util";
import type { Database } from "~/db/client";
import type { AuditEntry } from "~/app/audit/audit.server";
import type { Env } from "~/app/config/env.server";

/**
 * The small contract between the CLI entry (scripts/cli.ts) and its command groups
 * (scripts/cli/<group>.ts). A group is a name, a one-line summary and its commands; the entry
 * handles --json/--help, configuration, the database and exit codes, so a command only parses
 * its own arguments, does its work and returns what to print.
 */

/** What a command prints: `json` with --json (one object on stdout), `text` otherwise. */
export type CommandResult = {
  json: Record<string, unknown>;
  text: string;
  /** Non-zero when the command ran but did not fully succeed (e.g. values it could not decrypt). */
  exitCode?: number;
};

export type CommandContext = {
  env: Env;
  /** True with --json: the command's result goes to stdout as one JSON object. */
  json: boolean;
  /** The audit actor for everything this invocation writes. */
  actor: Pick<AuditEntry, "actorType" | "actorId">;
  /**
   * The database (DATABASE_URL), opened on first call and closed by the entry when the command
   * ends. Pending migrations are applied first unless the command says `migrate: false`.
   */
  database(): Promise<Database>;
};

export type Command = {
  name: string;
  summary: string;
  /** Arguments after `<group> <command>`, e.g. "--merchant <slug> [--mode live|test]". */
  usage?: string;
  /** Longer help shown by `<group> <command> --help`. */
  details?: string;
  /** Whether ctx.database() applies pending migrations first (default true). */
  migrate?: boolean;
  run(args: string[], ctx: CommandContext): Promise<CommandResult>;
};

export type CommandGroup = { name: string; summary: string; commands: Command[] };

export const defineGroup = (group: CommandGroup) => group;

/** Bad invocation (unknown command or option, missing or invalid argument): exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** The command was understood but refused or failed in an expected way: exit code 1. */
export class CommandError extends Error {
  override name = "CommandError";
}

/** node:util parseArgs in strict mode, its errors turned into UsageErrors (exit code 2). */
export function parseCommandArgs<T extends Omit<ParseArgsConfig, "args" | "strict">>(
  args: string[],
  config: T,
) {
  try {
    return parseArgs({ ...config, args, strict: true });
  } catch (error) {
    if (error instanceof TypeError && "code" in error) throw new UsageError(error.message);
    throw error;
  }
}

/** Exactly `names.length` positional arguments, or a UsageError naming the missing one. */
export function expectPositionals(positionals: string[], names: string[]): string[] {
  if (positionals.length < names.length) {
    throw new UsageError(`Missing argument <${names[positionals.length]}>`);
  }
  if (positionals.length > names.length) {
    throw new UsageError(`Unexpected argument "${positionals[names.length]}"`);
  }
  return positionals;
}

/** A whole number in [min, max] from an option value, or a UsageError naming the option. */
export function integerOption(name: string, raw: string | undefined, min: number, max: number) {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
  }
  return value;
}

/** One of `allowed`, or a UsageError listing them. */
export function enumOption<const T extends readonly string[]>(
  name: string,
  raw: string | undefined,
  allowed: T,
): T[number] | undefined {
  if (raw === undefined) return undefined;
  if (!allowed.includes(raw)) {
    throw new UsageError(`--${name} must be one of ${allowed.join(", ")} (got "${raw}")`);
  }
  return raw as T[number];
}

/** Aligned "label  value" lines for human output. */
export function table(rows: [string, string | number | null | undefined][]) {
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value ?? "—"}`).join("\n");
}

/** Audit records name the OS user who ran the CLI. */
export function cliActor(): CommandContext["actor"] {
  let name: string | undefined;
  try {
    name = userInfo().username;
  } catch {
    name = process.env.USER;
  }
  return { actorType: "cli", actorId: name || "unknown" };
}

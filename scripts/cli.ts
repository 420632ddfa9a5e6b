/**
 * The FlowPay operator CLI: `npm run flowpay -- [--json] <group> <command> [options]`.
 *
 * It reads the same configuration as the server (app/config/env.server.ts; like `npm start`,
 * FLOWPAY_ENV defaults to "development"), opens DATABASE_URL and applies pending migrations
 * before a command runs (except `db migrate`, which reports them, and `db backup`).
 * Command groups live in scripts/cli/<group>.ts and are registered in scripts/cli/groups.ts.
 *
 * Output: human-readable text, or with --json exactly one JSON object on stdout (errors as
 * `{"error":{"message","code"}}` on stderr). Exit codes: 0 ok, 1 failure, 2 usage error.
 */
import { parseArgs } from "node:util";
import { openDatabase, type Database } from "~/db/client";
import { migrateDatabase } from "~/db/migrate";
import { getEnv } from "~/app/config/env.server";
import * as registered from "./cli/groups";
import {
  cliActor,
  UsageError,
  type Command,
  type CommandContext,
  type CommandGroup,
} from "./cli/registry";

const program = "npm run flowpay --";
const groups: CommandGroup[] = Object.values(registered);

type Invocation =
  | { kind: "help"; group?: CommandGroup; command?: Command }
  | { kind: "run"; group: CommandGroup; command: Command; args: string[] };

/**
 * Splits argv into the global flags (--json, --help/-h, anywhere), the group and command (the
 * first two positional arguments) and the command's own arguments, which the command parses.
 */
function parseInvocation(argv: string[]): { json: boolean; invocation: Invocation } {
  const { tokens } = parseArgs({
    args: argv,
    options: { json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  let json = false;
  let help = false;
  const consumed = new Set<number>();
  const names: string[] = [];
  let terminated = false;
  for (const token of tokens) {
    if (token.kind === "option-terminator") terminated = true;
    if (token.kind === "option" && !terminated && ["json", "help", "h"].includes(token.name)) {
      if (token.value !== undefined) throw new UsageError(`${token.rawName} takes no value`);
      if (token.name === "json") json = true;
      else help = true;
      consumed.add(token.index);
    }
    if (token.kind === "positional" && !terminated && names.length < 2) {
      names.push(token.value);
      consumed.add(token.index);
    }
  }
  const parse = (): Invocation => {
    const [groupName, commandName] = names;
    if (!groupName) {
      if (help) return { kind: "help" };
      throw new UsageError("Missing command");
    }
    const group = groups.find((g) => g.name === groupName);
    if (!group) throw new UsageError(`Unknown command "${groupName}"`);
    if (!commandName) {
      if (help) return { kind: "help", group };
      throw new UsageError(`Missing command: ${group.name} ${commandList(group)}`);
    }
    const command = group.commands.find((c) => c.name === commandName);
    if (!command) {
      throw new UsageError(
        `Unknown command "${group.name} ${commandName}": ${group.name} ${commandList(group)}`,
      );
    }
    if (help) return { kind: "help", group, command };
    return { kind: "run", group, command, args: argv.filter((_, i) => !consumed.has(i)) };
  };
  return { json, invocation: parse() };
}

const commandList = (group: CommandGroup) => group.commands.map((c) => c.name).join("|");

function helpText(group?: CommandGroup, command?: Command): string {
  if (group && command) {
    return [
      `Usage: ${program} ${group.name} ${command.name}${command.usage ? ` ${command.usage}` : ""} [--json]`,
      "",
      command.summary,
      ...(command.details ? ["", command.details] : []),
    ].join("\n");
  }
  const shown = group ? [group] : groups;
  const rows = shown.flatMap((g) =>
    g.commands.map((c) => [`${g.name} ${c.name}${c.usage ? ` ${c.usage}` : ""}`, c.summary]),
  );
  return [
    `Usage: ${program} [--json] ${group ? group.name : "<group>"} <command> [options]`,
    "",
    "Commands:",
    ...rows.map(([usage, summary]) => `  ${usage}\n      ${summary}`),
    "",
    "Options:",
    "  --json      print one JSON object on stdout (errors as JSON on stderr)",
    "  -h, --help  show help (also after a command)",
    "",
    "Configuration comes from the environment, as for the server (DATABASE_URL, ENCRYPTION_KEYS, …).",
    "Exit codes: 0 ok, 1 failure, 2 usage error.",
  ].join("\n");
}

function helpJson(group?: CommandGroup, command?: Command) {
  const shown = group ? [group] : groups;
  return {
    commands: shown.flatMap((g) =>
      g.commands
        .filter((c) => !command || c === command)
        .map((c) => ({
          command: `${g.name} ${c.name}`,
          usage: c.usage ?? "",
          summary: c.summary,
        })),
    ),
  };
}

/** Error → exit code and a stable code for scripts. */
function classify(error: unknown): { exitCode: number; code: string; expected: boolean } {
  const name = error instanceof Error ? error.name : "";
  if (name === "UsageError") return { exitCode: 2, code: "usage", expected: true };
  if (name === "ConfigError") return { exitCode: 1, code: "config", expected: true };
  if (name === "NotFoundError") return { exitCode: 1, code: "not_found", expected: true };
  if (name === "DuplicateError") return { exitCode: 1, code: "conflict", expected: true };
  if (name === "CommandError" || name === "BackupError") {
    return { exitCode: 1, code: "failed", expected: true };
  }
  return { exitCode: 1, code: "internal", expected: false };
}

async function main(argv: string[]): Promise<number> {
  // Like `npm start`: the CLI is not production unless the operator says so.
  process.env.FLOWPAY_ENV ??= "development";
  let json = argv.includes("--json");
  let invocation: Invocation | undefined;
  let database: Database | undefined;
  try {
    ({ json, invocation } = parseInvocation(argv));
    if (invocation.kind === "help") {
      const { group, command } = invocation;
      process.stdout.write(
        `${json ? JSON.stringify(helpJson(group, command)) : helpText(group, command)}\n`,
      );
      return 0;
    }
    const env = getEnv();
    const { command } = invocation;
    let opening: Promise<Database> | undefined;
    const context: CommandContext = {
      env,
      json,
      actor: cliActor(),
      database: () =>
        (opening ??= (async () => {
          database = await openDatabase({
            url: env.DATABASE_URL,
            authToken: env.DATABASE_AUTH_TOKEN,
          });
          if (command.migrate !== false) {
            const { applied } = await migrateDatabase(database);
            if (applied > 0 && !json) {
              console.error(`Applied ${applied} pending migration(s) first.`);
            }
          }
          return database;
        })()),
    };
    const result = await command.run(invocation.args, context);
    process.stdout.write(`${json ? JSON.stringify(result.json) : result.text}\n`);
    return result.exitCode ?? 0;
  } catch (error) {
    const { exitCode, code, expected } = classify(error);
    const message = error instanceof Error ? error.message : String(error);
    if (json) {
      process.stderr.write(`${JSON.stringify({ error: { message, code } })}\n`);
    } else {
      console.error(`flowpay: ${message}`);
      if (exitCode === 2) {
        const hint =
          invocation?.kind === "run"
            ? `Usage: ${program} ${invocation.group.name} ${invocation.command.name} ${invocation.command.usage ?? ""}`.trimEnd()
            : `Run \`${program} --help\` for the list of commands.`;
        console.error(hint);
      } else if (!expected && error instanceof Error && error.stack) {
        console.error(error.stack);
      }
    }
    return exitCode;
  } finally {
    database?.close();
  }
}

process.exitCode = await main(process.argv.slice(2));

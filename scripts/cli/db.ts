import { backupDatabase } from "~/db/backup";
import { migrateDatabase } from "~/db/migrate";
import { restoreDatabase, RestoreError } from "~/db/replication/restore";
import {
  CommandError,
  defineGroup,
  expectPositionals,
  parseCommandArgs,
  table,
  UsageError,
} from "./registry";

export default defineGroup({
  name: "db",
  summary: "Database migrations, backups and restores",
  commands: [
    {
      name: "migrate",
      summary: "Apply pending migrations (db/migrations) and report how many ran",
      migrate: false,
      async run(args, ctx) {
        parseCommandArgs(args, {});
        const database = await ctx.database();
        const { applied } = await migrateDatabase(database);
        return {
          json: { applied },
          text:
            applied === 0
              ? "The database is up to date (no pending migrations)."
              : `Applied ${applied} migration${applied === 1 ? "" : "s"}; the database is up to date.`,
        };
      },
    },
    {
      name: "backup",
      summary: "Write an online, consistent copy of the live database to <file>",
      usage: "<file>",
      details: [
        "Copies a snapshot with SQLite's VACUUM INTO while the servers keep running and writing,",
        "checks the copy (PRAGMA integrity_check) and never overwrites an existing file.",
        "Needs a local database file (DATABASE_URL=file:…); pending migrations are not applied",
        "first, so you can back up before upgrading. Encrypted fields in the copy still need",
        "ENCRYPTION_KEYS (outside production: DATA_DIR/dev-secrets.json) to be read: keep them too.",
      ].join("\n"),
      migrate: false,
      async run(args, ctx) {
        const { positionals } = parseCommandArgs(args, { allowPositionals: true });
        const [file] = expectPositionals(positionals, ["file"]);
        const result = await backupDatabase(await ctx.database(), file!);
        return {
          json: { ...result },
          text: [
            `Backup written: ${result.path}`,
            table([
              ["size", `${(result.bytes / 1024).toFixed(1)} KiB`],
              ["took", `${result.durationMs} ms`],
              ["integrity", result.integrity],
            ]),
          ].join("\n"),
        };
      },
    },
    {
      name: "restore",
      summary: "Restore the Litestream replica (LITESTREAM_REPLICA_URL) into a new file <target>",
      usage: "[--timestamp <ISO time>] [--replica <url>] <target>",
      details: [
        "Downloads the replica's latest snapshot and WAL (or the state at --timestamp, e.g.",
        "2026-12-07T14:30:00Z) with Litestream into <target>, a file that must not exist yet,",
        "checks it (PRAGMA integrity_check) and prints the generation, size and row counts.",
        "The replica is LITESTREAM_REPLICA_URL unless --replica names another (file:///… or",
        's3://bucket/path; S3 settings as in README "Backups and recovery"). Then stop the',
        "server, put the file where DATABASE_URL points (no -wal/-shm files beside it) and start.",
      ].join("\n"),
      migrate: false,
      async run(args) {
        const { values, positionals } = parseCommandArgs(args, {
          allowPositionals: true,
          options: { timestamp: { type: "string" }, replica: { type: "string" } },
        });
        const [target] = expectPositionals(positionals, ["target"]);
        const replicaUrl = values.replica ?? process.env.LITESTREAM_REPLICA_URL;
        if (!replicaUrl) {
          throw new UsageError(
            "No replica: set LITESTREAM_REPLICA_URL (as the server runs with) or pass --replica <url>",
          );
        }
        let timestamp: Date | undefined;
        if (values.timestamp !== undefined) {
          timestamp = new Date(values.timestamp);
          if (Number.isNaN(timestamp.getTime()) || !/\d{4}-\d{2}-\d{2}T/.test(values.timestamp)) {
            throw new UsageError(
              `--timestamp must be an ISO 8601 time such as 2026-12-07T14:30:00Z (got "${values.timestamp}")`,
            );
          }
        }
        let result;
        try {
          result = await restoreDatabase({ replicaUrl, target: target!, timestamp });
        } catch (error) {
          if (error instanceof RestoreError) throw new CommandError(error.message);
          throw error;
        }
        return {
          json: { ...result },
          text: [
            `Restored ${result.replica} into ${result.path}`,
            table([
              [
                "as of",
                result.timestamp
                  ? `${result.timestamp} (--timestamp)`
                  : "the latest replicated change",
              ],
              ["generation", result.generation],
              ["WAL index", result.walIndex],
              ["size", `${(result.bytes / 1024).toFixed(1)} KiB`],
              ["took", `${result.durationMs} ms`],
              ["integrity", result.integrity],
              ...Object.entries(result.counts).map(([name, n]): [string, number] => [name, n]),
              ["newest application", result.newestApplicationAt],
            ]),
          ].join("\n"),
        };
      },
    },
  ],
});

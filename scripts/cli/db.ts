import { backupDatabase } from "../../db/backup";
import { migrateDatabase } from "../../db/migrate";
import { defineGroup, expectPositionals, parseCommandArgs, table } from "./registry";

export default defineGroup({
  name: "db",
  summary: "Database migrations and backups",
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
  ],
});

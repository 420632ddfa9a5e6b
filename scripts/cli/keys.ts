import { getCipher } from "~/app/security/encryption.server";
import { reencryptAll } from "~/app/security/reencrypt.server";
import { defineGroup, integerOption, parseCommandArgs } from "./registry";

export default defineGroup({
  name: "keys",
  summary: "Field-encryption keys (ENCRYPTION_KEYS)",
  commands: [
    {
      name: "reencrypt",
      summary: "Re-encrypt every encrypted value not yet under the newest (first) key",
      usage: "[--batch-size <rows>] [--dry-run]",
      details: [
        "Key rotation: put the new key first in ENCRYPTION_KEYS (k2:<new>,k1:<old>), restart the",
        "servers, run this, and drop the old key once it reports 0 remaining. Safe to run while",
        "the servers are up and to run again (it only touches values under older keys).",
        "Values that no configured key decrypts are reported and left alone (exit code 1).",
      ].join("\n"),
      async run(args, ctx) {
        const { values } = parseCommandArgs(args, {
          options: { "batch-size": { type: "string" }, "dry-run": { type: "boolean" } },
        });
        const batchSize = integerOption("batch-size", values["batch-size"], 1, 10_000);
        const cipher = getCipher();
        const report = await reencryptAll(await ctx.database(), cipher, {
          batchSize,
          dryRun: values["dry-run"] ?? false,
          actor: ctx.actor,
        });
        const { totals } = report;
        const width = Math.max(...report.columns.map((c) => `${c.table}.${c.column}`.length));
        const lines = [
          `${report.dryRun ? "Dry run: would re-encrypt" : "Re-encrypted"} ${report.dryRun ? totals.found - totals.failed : totals.reencrypted} value(s) under key "${report.keyId}".`,
          ...report.columns.map(
            (c) =>
              `  ${`${c.table}.${c.column}`.padEnd(width)}  ${report.dryRun ? `found ${c.found}` : `re-encrypted ${c.reencrypted}`}` +
              (c.changedMeanwhile ? `, changed meanwhile ${c.changedMeanwhile}` : "") +
              (c.failed ? `, FAILED ${c.failed}` : "") +
              `, remaining ${c.remaining}`,
          ),
        ];
        for (const c of report.columns) {
          for (const failure of c.failures) {
            lines.push(
              `  cannot decrypt ${c.table}.${c.column} id=${failure.id}: ${failure.reason}`,
            );
          }
        }
        if (totals.failed > 0) {
          lines.push(
            `${totals.failed} value(s) could not be decrypted with the configured keys: is an old key missing from ENCRYPTION_KEYS?`,
          );
        } else if (totals.remaining > 0 && !report.dryRun) {
          lines.push(`${totals.remaining} value(s) changed while this ran: run it again.`);
        }
        return { json: { ...report }, text: lines.join("\n"), exitCode: totals.failed > 0 ? 1 : 0 };
      },
    },
  ],
});

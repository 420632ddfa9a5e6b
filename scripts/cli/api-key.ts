import { createApiKey, defaultKeyLifetimeDays, revokeApiKey } from "~/app/crm/api-keys.server";
import {
  defineGroup,
  enumOption,
  expectPositionals,
  integerOption,
  parseCommandArgs,
  table,
  UsageError,
} from "./registry";

const modes = ["live", "test"] as const;

export default defineGroup({
  name: "api-key",
  summary: "CRM API keys of a merchant",
  commands: [
    {
      name: "create",
      summary: "Create an API key for a merchant and print it (once)",
      usage: "--merchant <slug> [--mode live|test] [--name <name>] [--expires-days <days>]",
      details: `Only a SHA-256 hash of the key is stored: copy the key from the output. The mode defaults to test; keys expire after ${defaultKeyLifetimeDays} days unless --expires-days says otherwise.`,
      async run(args, ctx) {
        const { values } = parseCommandArgs(args, {
          options: {
            merchant: { type: "string" },
            mode: { type: "string" },
            name: { type: "string" },
            "expires-days": { type: "string" },
          },
        });
        if (!values.merchant) throw new UsageError("--merchant <slug> is required");
        const mode = enumOption("mode", values.mode, modes) ?? "test";
        const expiresInDays = integerOption("expires-days", values["expires-days"], 1, 3650);
        if (values.name !== undefined && !values.name.trim()) {
          throw new UsageError("--name must not be empty");
        }
        const created = await createApiKey(await ctx.database(), {
          merchantSlug: values.merchant,
          mode,
          name: values.name?.trim(),
          expiresInDays,
          actor: ctx.actor,
        });
        const expiresAt = created.expiresAt.toISOString();
        return {
          json: {
            id: created.id,
            key: created.key,
            prefix: created.displayPrefix,
            merchant: values.merchant,
            merchantId: created.merchantId,
            mode: created.mode,
            expiresAt,
          },
          text: [
            `API key created for merchant ${values.merchant} (${created.mode} mode).`,
            `Copy the key now: it is shown only this once (FlowPay keeps only its hash).`,
            table([
              ["key", created.key],
              ["id", created.id],
              ["prefix", created.displayPrefix],
              ["expires", expiresAt],
            ]),
          ].join("\n"),
        };
      },
    },
    {
      name: "revoke",
      summary: "Revoke an API key by id (it stops working at once)",
      usage: "<id>",
      async run(args, ctx) {
        const { positionals } = parseCommandArgs(args, { allowPositionals: true });
        const [id] = expectPositionals(positionals, ["id"]);
        const result = await revokeApiKey(await ctx.database(), id!, ctx.actor);
        return {
          json: { id: result.id, revoked: true, alreadyRevoked: result.alreadyRevoked },
          text: result.alreadyRevoked
            ? `API key ${result.id} was already revoked.`
            : `API key ${result.id} revoked.`,
        };
      },
    },
  ],
});

import { z } from "zod";
import { operatorRoles } from "~/db/schema/index";
import { createOperator } from "~/app/ops/operators.server";
import { totpUri } from "~/app/security/totp.server";
import { defineGroup, enumOption, parseCommandArgs, table, UsageError } from "./registry";

const minPasswordLength = 12;
const maxPasswordLength = 256;

export default defineGroup({
  name: "user",
  summary: "FlowOps operators (staff accounts)",
  commands: [
    {
      name: "create",
      summary: "Create an operator; prints the password (if generated) and the TOTP secret once",
      usage: `--email <email> --role ${operatorRoles.join("|")} [--name <name>] [--password <password>]`,
      details: [
        "Every operator signs in with a password and a TOTP code. Without --password a random",
        "one is generated (preferred: a password on the command line stays in shell history).",
        "Add the TOTP secret (or the otpauth:// URI, e.g. as a QR code) to an authenticator app.",
      ].join("\n"),
      async run(args, ctx) {
        const { values } = parseCommandArgs(args, {
          options: {
            email: { type: "string" },
            role: { type: "string" },
            name: { type: "string" },
            password: { type: "string" },
          },
        });
        if (!values.email) throw new UsageError("--email <email> is required");
        const email = z.email().max(254).safeParse(values.email.trim());
        if (!email.success)
          throw new UsageError(`--email is not an e-mail address: "${values.email}"`);
        if (!values.role) {
          throw new UsageError(`--role is required (one of ${operatorRoles.join(", ")})`);
        }
        const role = enumOption("role", values.role, operatorRoles)!;
        const password = values.password;
        if (
          password !== undefined &&
          (password.length < minPasswordLength || password.length > maxPasswordLength)
        ) {
          throw new UsageError(
            `--password must be ${minPasswordLength} to ${maxPasswordLength} characters (or leave it out to generate one)`,
          );
        }
        const created = await createOperator(await ctx.database(), {
          email: email.data,
          name: values.name?.trim() || undefined,
          role,
          password,
          actor: ctx.actor,
        });
        const otpauthUri = totpUri(created.totpSecret, created.email);
        const generated = password === undefined;
        return {
          json: {
            id: created.id,
            email: created.email,
            role: created.role,
            ...(generated ? { password: created.password } : {}),
            totpSecret: created.totpSecret,
            otpauthUri,
          },
          text: [
            `Operator ${created.email} created (${created.role}).`,
            `Hand these over securely: they are shown only this once.`,
            table([
              ["id", created.id],
              ["password", generated ? created.password : "(as given)"],
              ["TOTP secret", created.totpSecret],
              ["otpauth URI", otpauthUri],
            ]),
          ].join("\n"),
        };
      },
    },
  ],
});

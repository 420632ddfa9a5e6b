import { demo } from "~/app/demo/seed.server";
import { currentTotp } from "~/app/security/totp.server";
import { CommandError, defineGroup, parseCommandArgs } from "./registry";

const stepSeconds = 30;

export default defineGroup({
  name: "demo",
  summary: "The embedded demo (never in production)",
  commands: [
    {
      name: "totp",
      summary: `Print the demo operator's current TOTP code (${demo.operatorEmail})`,
      async run(args, ctx) {
        parseCommandArgs(args, {});
        if (ctx.env.FLOWPAY_ENV === "production") {
          throw new CommandError(
            "demo totp is not available when FLOWPAY_ENV=production (there is no demo operator there)",
          );
        }
        const code = await currentTotp(demo.operatorTotpSecret);
        const validForSeconds = stepSeconds - (Math.floor(Date.now() / 1000) % stepSeconds);
        return {
          json: { email: demo.operatorEmail, code, validForSeconds },
          text: `${code}  (TOTP for ${demo.operatorEmail}, valid for ${validForSeconds} s more)`,
        };
      },
    },
  ],
});

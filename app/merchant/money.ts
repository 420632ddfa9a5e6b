import { z } from "zod";
import { dollarsToCents } from "~/app/money/dollars";
import type { PortalPermission } from "./permissions";

/**
 * The application page's money actions (docs/product/merchants-and-money.md, "Money after the
 * signature"): who may use each, and its form. Which ones a status offers is money.server.ts's
 * (from the lending modules' own status sets); the rules stay theirs (ADR 050, 053–055).
 */

export const moneyIntents = ["complete", "amount", "cancel", "refund"] as const;
export type MoneyIntent = (typeof moneyIntents)[number];

/** Staff may say the job is done; giving money back or re-pricing is the owner's and manager's. */
export const moneyPermission: Record<MoneyIntent, PortalPermission> = {
  complete: "complete:job",
  amount: "manage:money",
  cancel: "manage:money",
  refund: "manage:money",
};

const dollars = (message: string) =>
  z
    .string()
    .trim()
    .transform((v, ctx) => {
      const cents = dollarsToCents(v);
      if (cents === null || cents <= 0) {
        ctx.addIssue({ code: "custom", message });
        return z.NEVER;
      }
      return cents;
    });

const reason = (message: string) =>
  z.string().trim().min(1, message).max(500, "Keep it under 500 characters");

export const moneyActionSchema = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("complete") }),
  z.object({ intent: z.literal("amount"), amount: dollars("Enter the new amount in dollars") }),
  z.object({ intent: z.literal("cancel"), reason: reason("Say why the financing is canceled") }),
  z.object({
    intent: z.literal("refund"),
    amount: dollars("Enter the amount to refund in dollars"),
    reason: reason("Say why you are refunding"),
    /** Generated per form render: a double submit of the same form refunds once (ADR 053). */
    idempotencyKey: z.string().regex(/^portal-[\w-]{16,64}$/, "Reload the page and try again"),
  }),
]);

export type MoneyAction = z.infer<typeof moneyActionSchema>;

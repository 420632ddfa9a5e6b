import { z } from "zod";
import { fundingModes } from "./funding-modes";

/** The FlowOps review form's two intents (server-side parse: FlowOps forms post without JS). */
export const reviewIntentSchema = z.discriminatedUnion("intent", [
  z.object({
    intent: z.literal("approve"),
    pricingPlan: z.string().min(1, "Choose a pricing plan"),
    fundingMode: z.enum(fundingModes, { message: "Choose a funding mode" }),
  }),
  z.object({
    intent: z.literal("decline"),
    reason: z
      .string()
      .trim()
      .min(5, "Say why (at least 5 characters): it is kept in the audit log")
      .max(500, "At most 500 characters"),
  }),
]);

/**
 * FlowOps' answer to a lender's refusal (ADR 032), for the application detail page: reroute
 * to another configured lender, or cancel. The route only dispatches here; the work is in
 * app/lending/lender-decline.server.ts (audited there).
 */
import { parseWithZod } from "@conform-to/zod/v4";
import { data } from "@remix-run/node";
import { z } from "zod";
import { clientInfo } from "~/app/audit/audit.server";
import { getDatabase } from "~/app/db.server";
import {
  cancelLenderDeclined,
  LenderDeclineActionError,
  rerouteApplication,
} from "~/app/lending/lender-decline.server";
import { getLenders } from "~/app/lending/lenders.server";
import { firstError } from "./form-schemas.server";
import { requireAction } from "./guard.server";

export const lenderDeclineIntents = ["reroute_lender", "cancel_lender_declined"] as const;

export function isLenderDeclineIntent(value: unknown): boolean {
  return (lenderDeclineIntents as readonly unknown[]).includes(value);
}

const formSchema = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("reroute_lender"), lender: z.string().min(1, "Choose a lender") }),
  z.object({
    intent: z.literal("cancel_lender_declined"),
    reason: z
      .string()
      .trim()
      .min(10, "Say why in at least 10 characters (it goes to the audit log)")
      .max(500),
  }),
]);

export type LenderDeclineResult = { revealed: null; error: string | null; notice: string | null };

/** The lenders an application declined by `currentLender` can be sent to instead. */
export async function rerouteChoices(currentLender: string): Promise<string[]> {
  return (await getLenders()).names().filter((name) => name !== currentLender);
}

export async function lenderDeclineAction(
  request: Request,
  applicationId: string,
  form: FormData,
): Promise<LenderDeclineResult | ReturnType<typeof data<LenderDeclineResult>>> {
  const { operator } = await requireAction(request, "resolve:review");
  // Read with Conform (issue 18); an empty reason reaches the schema as "" to get its message.
  const parsed = parseWithZod(form, { schema: formSchema, disableAutoCoercion: true });
  if (parsed.status !== "success") {
    const error = firstError(parsed.error);
    return data({ revealed: null, error, notice: null }, { status: 422 });
  }
  const client = clientInfo(request);
  const actor = { id: operator.id, ip: client.ip, userAgent: client.userAgent };
  const database = await getDatabase();
  try {
    if (parsed.value.intent === "reroute_lender") {
      await rerouteApplication(
        database,
        { applicationId, lender: parsed.value.lender, configured: (await getLenders()).names() },
        actor,
      );
      return {
        revealed: null,
        error: null,
        notice: `Rerouted to ${parsed.value.lender}: the borrower was texted a new link to sign with that lender.`,
      };
    }
    await cancelLenderDeclined(database, { applicationId, reason: parsed.value.reason }, actor);
    return {
      revealed: null,
      error: null,
      notice: "Application canceled; the borrower and the CRM are told.",
    };
  } catch (error) {
    // Not (or no longer) declined by its lender, or no such lender: the page says why (409).
    if (error instanceof LenderDeclineActionError) {
      return data({ revealed: null, error: error.message, notice: null }, { status: 409 });
    }
    throw error;
  }
}

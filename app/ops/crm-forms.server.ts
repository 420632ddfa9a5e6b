/**
 * The FlowOps merchant page's FieldRoutes credentials form, read with Conform + zod (issue 18:
 * one form library in FlowOps), with the messages and the order of checks it always had:
 * subdomain, key and token, office id. The secrets are never echoed back, even on an error.
 * Server-only: it builds zod schemas at load time (ADR 018).
 */
import { parseWithZod } from "@conform-to/zod/v4";
import { z } from "zod";
import { firstError } from "./form-schemas.server";
import type { FieldRoutesForm } from "./merchants.server";

/** A text field as posted, trimmed; missing or not text reads as "". */
const posted = z
  .string()
  .catch("")
  .transform((value) => value.trim());

/**
 * The FieldRoutes credentials form (read with Conform, issue 18), with the messages and the
 * order of checks it always had: subdomain, key and token, office id. The secrets are never
 * echoed back, even on an error.
 */
const fieldRoutesSchema = (options: { sandboxAllowed: boolean }) =>
  z.object({
    subdomain: posted
      .transform((value) => value.toLowerCase())
      .pipe(
        z
          .string()
          .regex(
            /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/,
            "Enter the office's FieldRoutes subdomain (the part before .fieldroutes.com)",
          ),
      ),
    authenticationKey: posted.pipe(
      z.string().min(1, "Enter the authentication key and token from FieldRoutes"),
    ),
    authenticationToken: posted.pipe(
      z.string().min(1, "Enter the authentication key and token from FieldRoutes"),
    ),
    officeId: posted
      .pipe(
        z
          .string()
          .regex(/^(\d{1,10})?$/, "The office id is a number (leave it empty for a single office)"),
      )
      .transform((value) => value || null),
    sandbox: posted.transform((value) => options.sandboxAllowed && value === "on"),
  });
export type FieldRoutesField =
  "subdomain" | "authenticationKey" | "authenticationToken" | "officeId";

/** What was typed in the fields that may be shown again (never the key or the token). */
export type CrmValues = { subdomain: string; officeId: string };

export type FieldRoutesFormResult =
  | Extract<FieldRoutesForm, { ok: true }>
  | {
      ok: false;
      /** The first message, for the section's alert. */
      error: string;
      /** Each field's message, on its field. */
      errors: Partial<Record<FieldRoutesField, string>>;
      crmValues: CrmValues;
    };

/** The posted FieldRoutes credentials; an empty field reaches the schema as "". */
export function parseFieldRoutesForm(
  formData: FormData,
  options: { sandboxAllowed: boolean },
): FieldRoutesFormResult {
  const parsed = parseWithZod(formData, {
    schema: fieldRoutesSchema(options),
    disableAutoCoercion: true,
  });
  // What was typed: trimmed, as the page showed it before (issue 18 changed no message).
  const typed = (field: string) => {
    const value = parsed.payload[field];
    return typeof value === "string" ? value.trim() : "";
  };
  const crmValues = { subdomain: typed("subdomain"), officeId: typed("officeId") };
  if (parsed.status === "success") return { ok: true, value: parsed.value };
  const errors: Partial<Record<FieldRoutesField, string>> = {};
  for (const [field, messages] of Object.entries(parsed.error ?? {})) {
    if (messages?.[0]) errors[field as FieldRoutesField] = messages[0];
  }
  return { ok: false, error: firstError(parsed.error), errors, crmValues };
}

/**
 * The merchant form read from a request with Conform + zod (issue 18: one form library in
 * FlowOps): parseWithZod hands the fields to readMerchantForm (merchants-form.ts, pure), whose
 * messages become each field's issue. Server-only: it builds a zod schema (form-schemas.server.ts).
 */
import { parseWithZod } from "@conform-to/zod/v4";
import { z } from "zod";
import {
  merchantFormFields,
  readMerchantForm,
  type MerchantFormField,
  type MerchantFormResult,
  type MerchantInput,
} from "./merchants-form";

type Options = { mode: "create" | "update"; plans: readonly string[] };

const merchantFormSchema = (options: Options) =>
  z
    .object(Object.fromEntries(merchantFormFields.map((field) => [field, z.string().optional()])))
    .transform((fields, ctx): MerchantInput => {
      const read = readMerchantForm(fields, options);
      if (read.ok) return read.value;
      for (const [field, message] of Object.entries(read.errors)) {
        ctx.addIssue({ code: "custom", message, path: [field] });
      }
      return z.NEVER;
    });

/**
 * The posted merchant form: its value, or each field's message and what was typed (never the
 * account number). An empty field reaches readMerchantForm as "" (disableAutoCoercion).
 */
export function parseMerchantForm(formData: FormData, options: Options): MerchantFormResult {
  const submission = parseWithZod(formData, {
    schema: merchantFormSchema(options),
    disableAutoCoercion: true,
  });
  if (submission.status === "success") return { ok: true, value: submission.value };
  const errors: Partial<Record<MerchantFormField, string>> = {};
  for (const [field, messages] of Object.entries(submission.error ?? {})) {
    if (messages?.[0]) errors[field as MerchantFormField] = messages[0];
  }
  const values: Partial<Record<MerchantFormField, string>> = {};
  for (const field of merchantFormFields) {
    const typed = submission.payload[field];
    if (field !== "disbursementAccount")
      values[field] = typeof typed === "string" ? typed.trim() : "";
  }
  return { ok: false, errors, values };
}

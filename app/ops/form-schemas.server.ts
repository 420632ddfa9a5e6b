import { parseWithZod } from "@conform-to/zod/v4";
import { z } from "zod";
import { operatorRoles } from "~/db/schema/operators";
import { revealFields, revealReasonMinLength } from "./applications";

/**
 * FlowOps form schemas that only actions use. They live in a `.server` module because a
 * module that reaches the browser and builds classic zod schemas at load time ships all of zod
 * to it — and, through the chunk zod's core shares with `zod/mini`, to the borrower's details
 * page too (ADR 018).
 */

export const inviteSchema = z.object({
  email: z.email("Enter the operator's work e-mail").max(254),
  name: z.string().trim().min(1, "Enter the operator's name").max(100),
  role: z.enum(operatorRoles, "Choose a role"),
});

export const operatorIntentSchema = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("role"), role: z.enum(operatorRoles, "Choose a role") }),
  z.object({ intent: z.literal("reset-mfa") }),
  z.object({ intent: z.literal("deactivate") }),
  z.object({ intent: z.literal("reactivate") }),
  z.object({ intent: z.literal("revoke-sessions") }),
  z.object({ intent: z.literal("unlock") }),
]);

export const revealSchema = z.object({
  field: z.enum(revealFields, { message: "Choose what to reveal" }),
  reason: z
    .string()
    .trim()
    .min(
      revealReasonMinLength,
      `Say why you need it (at least ${revealReasonMinLength} characters), e.g. the support ticket`,
    )
    .max(500, "Keep the reason under 500 characters"),
});

/** A dead job's retry or discard on `/ops/jobs`. */
export const jobIntentSchema = z.object({
  intent: z.enum(["retry", "discard"]),
  id: z.coerce.number().int().min(1).max(999_999_999_999_999),
});

/**
 * The policy review page's two posts: a back-test over `days`, and an approval — first without
 * `confirm` (the confirmation step), then with `confirm=yes` and the submission it was shown for.
 */
export const policyIntentSchema = (maxDays: number) =>
  z.discriminatedUnion(
    "intent",
    [
      z.object({
        intent: z.literal("backtest"),
        days: z
          .string({ error: `Days: a whole number from 1 to ${maxDays}` })
          .trim()
          .regex(/^\d{1,3}$/, `Days: a whole number from 1 to ${maxDays}`),
      }),
      z.object({
        intent: z.literal("approve"),
        confirm: z.literal("yes").optional(),
        submissionId: z.string().max(64).optional(),
      }),
    ],
    { error: "Unknown request" },
  );

/** Withdrawing an information request: which one (an unknown or malformed id is a 404). */
export const withdrawInfoRequestSchema = z.object({ requestId: z.string().max(64).catch("") });

/**
 * A refused submission's first message, for the page's alert (and the API-style `error` the
 * route tests read) beside Conform's reply, which puts every message on its field.
 */
export function firstError(error: Record<string, string[] | null> | null | undefined): string {
  return Object.values(error ?? {}).flatMap((messages) => messages ?? [])[0] ?? "Unknown request";
}

const intentOnly = z.object({ intent: z.string().max(100).catch("") }).catch({ intent: "" });

/**
 * The `intent` a page's form posts ("" when none or not text), read with Conform like the rest
 * of the form: the action dispatches on it before the intent's own schema reads the fields.
 */
export function postedIntent(form: FormData): string {
  const parsed = parseWithZod(form, { schema: intentOnly, disableAutoCoercion: true });
  return parsed.status === "success" ? parsed.value.intent : "";
}

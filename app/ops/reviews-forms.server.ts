import { parseWithZod } from "@conform-to/zod/v4";
import { z } from "zod";
import { parseConditionChoices } from "~/app/lending/conditions";
import { minJustificationLength } from "~/app/decisioning/reason-evidence";
import { dollarsToCents } from "~/app/money/dollars";
import {
  declineReasonOptions,
  maxDeclineReasons,
  notesMinLength,
  parseOfferKey,
  type ApproveForm,
  type DeclineForm,
} from "./reviews";

/**
 * The manual-review forms (queue, review, funding conditions, payment on hold) as Conform + zod
 * schemas, parsed with parseWithZod like every FlowOps form (issue 18). Classic zod lives in this
 * `.server` module only (ADR 018: never shipped to the browser). Each page's forms post an
 * `intent`; the page's schema is a discriminated union on it, so an unknown intent is a field
 * error, not a silent default.
 */

const notesMessage = `Write a note for the file (at least ${notesMinLength} characters)`;
const fileNotes = z
  .string(notesMessage)
  .trim()
  .min(notesMinLength, notesMessage)
  .max(2000, "Keep the note under 2,000 characters");

/** An operator's note on a condition, a hold's release or a refused decline. */
const shortNote = z
  .string("Write a note of 5 to 1,000 characters")
  .trim()
  .min(5, "Write a note of 5 to 1,000 characters")
  .max(1000, "Write a note of 5 to 1,000 characters");

/** One of our ids (db/ids.ts: prefix, "_", lower-case base32); its row is checked by the caller. */
const id = (prefix: string) =>
  z.string("Missing id").regex(new RegExp(`^${prefix}_[0-9a-z]{10,40}$`), "Unknown id");

const offerKeys = z
  .array(
    z.string().refine((key) => parseOfferKey(key) !== null, "Unknown offer"),
    {
      error: "Choose at least one offer to extend",
    },
  )
  .min(1, "Choose at least one offer to extend")
  .transform((keys) => [...new Set(keys)])
  .refine(
    (keys) => new Set(keys.map((key) => parseOfferKey(key)!.kind)).size <= 1,
    "Choose offers from one list",
  );

const approveSchema = z
  .object({
    intent: z.literal("approve"),
    offer: offerKeys,
    tier: z
      .string()
      .trim()
      .regex(/^[A-Z]$/, "Unknown pricing tier")
      .optional(),
    downPayment: z
      .string()
      .optional()
      .transform((input, ctx) => {
        if (input === undefined || input.trim() === "") return null;
        const cents = dollarsToCents(input);
        if (cents === null)
          ctx.addIssue({
            code: "custom",
            message: "Enter an amount in dollars, like 500 or 1,250.50",
          });
        return cents;
      }),
    condition: z.array(z.string()).optional(),
    conditionNote: z.string().trim().optional(),
    notes: fileNotes,
  })
  .transform((form, ctx): { intent: "approve"; form: ApproveForm } => {
    const repriced = Boolean(form.tier) || (form.downPayment ?? 0) > 0;
    // A stored offer with a down payment would finance the wrong amount; a priced-again term
    // without the pricing that made it is not what the underwriter saw.
    if (repriced !== (parseOfferKey(form.offer[0]!)!.kind === "term")) {
      ctx.addIssue({
        code: "custom",
        path: ["offer"],
        message: "The offers changed; price them again and choose again",
      });
    }
    const conditions = parseConditionChoices(form.condition ?? [], form.conditionNote ?? null);
    if (!conditions.ok)
      ctx.addIssue({ code: "custom", path: ["conditionNote"], message: conditions.error });
    return {
      intent: form.intent,
      form: {
        offerKeys: form.offer,
        pricing: repriced
          ? { tier: form.tier ?? null, downPaymentCents: form.downPayment ?? 0 }
          : null,
        conditionNote: form.conditionNote || null,
        conditions: conditions.ok ? conditions.items : [],
        notes: form.notes,
      },
    };
  });

const reason = z
  .string()
  .refine((code) => declineReasonOptions.some((o) => o.code === code), "Unknown reason");
const knownReason = reason.optional();

const declineSchema = z
  .object({
    intent: z.literal("decline"),
    reason1: z.string("Give at least one principal reason").pipe(reason),
    reason2: knownReason,
    reason3: knownReason,
    reason4: knownReason,
    notes: fileNotes,
    justification: z
      .string()
      .trim()
      .min(
        minJustificationLength,
        `Write at least ${minJustificationLength} characters for the second operator`,
      )
      .max(2000, "Keep it under 2,000 characters")
      .optional(),
  })
  .transform((form, ctx): { intent: "decline"; form: DeclineForm } => {
    const picked = [form.reason1, form.reason2, form.reason3, form.reason4].filter(
      (code): code is string => Boolean(code),
    );
    const reasonCodes = [...new Set(picked)];
    if (reasonCodes.length !== picked.length)
      ctx.addIssue({ code: "custom", path: ["reason1"], message: "Give each reason once" });
    if (reasonCodes.length > maxDeclineReasons)
      ctx.addIssue({
        code: "custom",
        path: ["reason1"],
        message: `At most ${maxDeclineReasons} reasons`,
      });
    return {
      intent: form.intent,
      form: { reasonCodes, notes: form.notes, justification: form.justification ?? null },
    };
  });

/** The review page's forms (`/ops/reviews/{id}`). */
export const reviewIntentSchema = z.discriminatedUnion(
  "intent",
  [
    z.object({ intent: z.literal("assign") }),
    z.object({ intent: z.literal("repull") }),
    approveSchema,
    declineSchema,
    // The second operator of a decline with unsupported reasons (ADR 036).
    z.object({ intent: z.literal("approve-proposal"), proposalId: id("dpr") }),
    z.object({ intent: z.literal("reject-proposal"), proposalId: id("dpr"), note: shortNote }),
    z.object({ intent: z.literal("withdraw-proposal"), proposalId: id("dpr") }),
  ],
  { error: "Unknown action" },
);
export type ReviewIntent = z.output<typeof reviewIntentSchema>;

/** The queue's "Assign to me" (`/ops/reviews`). */
export const queueAssignSchema = z.object({ reviewId: id("mr") });

/** A funding condition cleared or rejected (`/ops/reviews/{id}/conditions`). */
export const conditionReviewSchema = z.object({
  intent: z.enum(["clear", "reject"], "Choose clear or reject"),
  conditionId: id("cnd"),
  note: shortNote,
});

/** A held payment released after the operator's review (`/ops/reviews/{id}/dispute`). */
export const disputeReleaseSchema = z.object({ note: shortNote });

/**
 * A submission's errors as the review forms show them: the first message per field, a list
 * item's ("offer[1]") under its list.
 */
export function fieldErrors(error: Record<string, string[] | null> | null | undefined) {
  const errors: Record<string, string> = {};
  for (const [name, messages] of Object.entries(error ?? {})) {
    const field = name.replace(/\[\d+\].*$/, "") || "form";
    if (messages?.[0] && !errors[field]) errors[field] = messages[0];
  }
  return errors;
}

export type FormResult<T> = { ok: true; value: T } | { ok: false; errors: Record<string, string> };

/** A form posted to one intent's schema (tests and callers that know the intent). */
function parseAs<T>(form: FormData, intent: "approve" | "decline"): FormResult<T> {
  const payload = new FormData();
  for (const [key, value] of form.entries()) if (key !== "intent") payload.append(key, value);
  payload.set("intent", intent);
  const submission = parseWithZod(payload, { schema: reviewIntentSchema });
  if (submission.status !== "success") return { ok: false, errors: fieldErrors(submission.error) };
  return { ok: true, value: (submission.value as unknown as { form: T }).form };
}

export const parseApproveForm = (form: FormData) => parseAs<ApproveForm>(form, "approve");
export const parseDeclineForm = (form: FormData) => parseAs<DeclineForm>(form, "decline");

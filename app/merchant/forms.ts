import { z } from "zod";
import { applicationStatuses, type ApplicationStatus } from "~/db/schema/applications";
import { usPhone } from "~/app/crm/schemas";
import { dollarsToCents } from "~/app/money/dollars";
import { merchantRoles } from "./permissions";

/** The portal's form schemas (parsed from FormData in the routes' actions). */

export const emailField = z.email("Enter your e-mail address").max(254);

export const signInRequestSchema = z.object({ email: emailField });

export const inviteSchema = z.object({
  email: z.email("Enter the person's e-mail address").max(254),
  name: z.string().trim().max(100).optional(),
  role: z.enum(merchantRoles, "Choose a role"),
});

export const roleChangeSchema = z.object({
  membershipId: z.string().min(1).max(64),
  role: z.enum(merchantRoles, "Choose a role"),
});

export const sendLinkSchema = z
  .object({
    firstName: z.string().trim().min(1, "Enter the customer's first name").max(100),
    lastName: z.string().trim().min(1, "Enter the customer's last name").max(100),
    channel: z.enum(["sms", "email"], "Choose text or e-mail"),
    phone: usPhone,
    email: z
      .union([z.literal(""), z.email("Enter a valid e-mail address").max(254)])
      .optional()
      .transform((v) => v || undefined),
    /** A financing link for a job, or a prequalification link ("up to how much?", no amount). */
    kind: z.enum(["financing", "prequalification"]).default("financing"),
    amount: z
      .string()
      .trim()
      .optional()
      .transform((v, ctx) => {
        if (!v) return null;
        const cents = dollarsToCents(v);
        if (cents === null || cents <= 0) {
          ctx.addIssue({ code: "custom", message: "Enter the job's amount in dollars" });
          return z.NEVER;
        }
        return cents;
      }),
    description: z.string().trim().max(500).optional(),
    /** The merchant's TCPA attestation for the text (ADR 037): the customer asked for it. */
    asked: z.string().max(10).optional(),
  })
  .refine((v) => v.kind !== "financing" || v.amount !== null, {
    path: ["amount"],
    message: "Enter the job's amount in dollars",
  })
  .refine((v) => v.channel !== "email" || v.email, {
    path: ["email"],
    message: "Enter the customer's e-mail address to send the link by e-mail",
  })
  .refine((v) => v.channel !== "sms" || v.asked === "yes", {
    path: ["asked"],
    message: "We text the link only when the customer asked for it: confirm they did",
  });

export type SendLinkForm = z.infer<typeof sendLinkSchema>;

/** The field errors of a failed parse: the first message per field. */
export function fieldErrors(error: z.ZodError) {
  const errors: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = String(issue.path[0] ?? "form");
    errors[key] ??= issue.message;
  }
  return errors;
}

/** The applications list's status filter: a known status, or none (a bad bookmark still opens). */
export function statusFilter(raw: string | null): ApplicationStatus | undefined {
  return (applicationStatuses as readonly string[]).includes(raw ?? "")
    ? (raw as ApplicationStatus)
    : undefined;
}

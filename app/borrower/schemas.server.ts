import { z } from "zod";

/**
 * Schemas of the borrower forms that are validated on the server only (parseWithZod in the
 * action). Kept out of `schemas.ts`, which ships to the browser: a route importing a shared
 * module that builds classic zod schemas at load time pulls all of classic zod into its bundle,
 * even when only the action uses them. `.server` modules never reach the browser.
 */

export const consentsSchema = z.object({
  creditPull: z.literal("on", { error: "You need to authorize the credit check to continue" }),
  esign: z.literal("on", { error: "You need to agree to electronic records to continue online" }),
  privacy: z.literal("on", { error: "Please confirm you have read the privacy notice" }),
  /** Optional (TCPA): permission to text about the application; never required to continue. */
  smsConsent: z.literal("on").optional(),
});

export const signSchema = z.object({
  offerId: z.string().regex(/^off_[0-9a-z]{26}$/, "Choose an offer"),
  fullName: z
    .string({ error: "Type your full name to sign" })
    .trim()
    .min(3, "Type your full name to sign")
    .max(200),
  agree: z.literal("on", { error: "Tick “I agree” to sign" }),
});

/** Typed names match when they agree ignoring case, accents, punctuation and extra spaces. */
export function sameName(typed: string, expected: string) {
  const fold = (s: string) =>
    s
      .normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase()
      .replace(/[^a-z\s]/g, "")
      .replace(/\s+/g, " ")
      .trim();
  return fold(typed) === fold(expected);
}

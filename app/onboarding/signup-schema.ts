import * as z from "zod/mini";
import { dollarsToCents } from "~/app/money/dollars";

/**
 * The merchant sign-up form (/merchant/signup; docs/product/merchants-and-money.md,
 * "Onboarding"), shared by the action and the browser's inline validation, so both give the same
 * field messages. zod/mini: it ships to the browser (ADR 018). Parse with parseForm.
 */

export const industries = {
  pest_control: "Pest control",
  hvac: "Heating and air conditioning (HVAC)",
  plumbing: "Plumbing",
  roofing: "Roofing",
  electrical: "Electrical",
  solar: "Solar",
  landscaping: "Landscaping and lawn care",
  other_home_services: "Other home services",
} as const;
export type Industry = keyof typeof industries;

export const usStateCodes = (
  "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ " +
  "NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY"
).split(" ");

/** ABA routing numbers carry a checksum: 3·(d1+d4+d7) + 7·(d2+d5+d8) + (d3+d6+d9) ≡ 0 (mod 10). */
export function isValidRoutingNumber(digits: string) {
  if (!/^\d{9}$/.test(digits)) return false;
  const d = [...digits].map(Number);
  const sum = 3 * (d[0]! + d[3]! + d[6]!) + 7 * (d[1]! + d[4]! + d[7]!) + (d[2]! + d[5]! + d[8]!);
  return sum % 10 === 0 && digits !== "000000000";
}

/** The IRS never issues EIN prefixes 00, 07–09, 17–19, 28–29, 49, 69–70, 78–79, 89, 96–97. */
const unusedEinPrefixes = new Set([
  "00",
  "07",
  "08",
  "09",
  "17",
  "18",
  "19",
  "28",
  "29",
  "49",
  "69",
  "70",
  "78",
  "79",
  "89",
  "96",
  "97",
]);

const text = (required: string, max: number, tooLong = `At most ${max} characters`) =>
  z
    .string({ error: required })
    .check(z.trim(), z.minLength(1, required), z.maxLength(max, tooLong));

const digitsOf = (raw: string) => raw.replace(/[\s-]/g, "");

export const merchantSignupSchema = z.object({
  legalName: text("Enter the business's legal name", 160),
  dba: z.optional(text("Enter the name you do business as", 160)),
  ein: z.pipe(
    z.pipe(z.string({ error: "Enter the EIN" }), z.transform(digitsOf)),
    z
      .string()
      .check(
        z.refine(
          (d) => /^\d{9}$/.test(d) && !unusedEinPrefixes.has(d.slice(0, 2)),
          "Enter the 9-digit EIN, like 12-3456789",
        ),
      ),
  ),
  addressLine1: text("Enter the street address", 200),
  city: text("Enter the city", 100),
  state: z
    .string({ error: "Choose the state" })
    .check(z.refine((s) => usStateCodes.includes(s), "Choose the state")),
  postalCode: z
    .string({ error: "Enter the ZIP code" })
    .check(z.trim(), z.regex(/^\d{5}(-\d{4})?$/, "Enter a 5-digit ZIP code")),
  industry: z.enum(Object.keys(industries) as [Industry, ...Industry[]], {
    error: "Choose the industry",
  }),
  ownerName: text("Enter the owner's full name", 120),
  ownerEmail: z
    .string({ error: "Enter the owner's e-mail address" })
    .check(
      z.trim(),
      z.maxLength(254, "At most 254 characters"),
      z.regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, "Enter an e-mail address, like name@example.com"),
    ),
  ownerPhone: z.pipe(
    z.pipe(
      z.string({ error: "Enter the owner's phone number" }),
      z.transform((raw: string) => raw.replace(/[\s().-]/g, "").replace(/^\+?1(?=\d{10}$)/, "")),
    ),
    z
      .string()
      .check(
        z.refine(
          (d) => /^[2-9]\d{2}[2-9]\d{6}$/.test(d),
          "Enter a US phone number, like (512) 555-0123",
        ),
      ),
  ),
  routingNumber: z.pipe(
    z.pipe(z.string({ error: "Enter the bank's routing number" }), z.transform(digitsOf)),
    z.string().check(z.refine(isValidRoutingNumber, "Enter the bank's 9-digit ABA routing number")),
  ),
  accountNumber: z.pipe(
    z.pipe(z.string({ error: "Enter the account number" }), z.transform(digitsOf)),
    z.string().check(z.regex(/^\d{4,17}$/, "Enter the account number (4 to 17 digits)")),
  ),
  expectedMonthlyVolume: z.pipe(
    z.string({ error: "Enter the expected monthly financed volume" }),
    z.transform((raw: string, ctx) => {
      const cents = dollarsToCents(raw);
      if (cents === null || cents < 100 || cents > 100_000_000_00) {
        ctx.issues.push({
          code: "custom",
          input: raw,
          message: "Enter an amount in dollars, like 25,000",
        });
        return z.NEVER;
      }
      return cents;
    }),
  ),
});
export type MerchantSignup = z.output<typeof merchantSignupSchema>;

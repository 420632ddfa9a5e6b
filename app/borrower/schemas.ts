import { z } from "zod";

/**
 * The borrower's form schemas: the server parses with them (conform's parseWithZod) and the
 * browser validates inline with the very same ones when JavaScript runs.
 */

/** "$5,200.50" → 520050 cents, exactly (no floating point). */
export const dollars = z
  .string({ error: "Enter an amount" })
  .trim()
  .transform((raw) => raw.replace(/[$,\s]/g, ""))
  .refine((raw) => /^\d{1,7}(\.\d{1,2})?$/.test(raw), "Enter an amount in dollars, like 4,500")
  .transform((raw) => {
    const [whole, fraction = ""] = raw.split(".");
    return Number(whole) * 100 + Number(fraction.padEnd(2, "0"));
  });

/**
 * Area 000, 666 and 900–999 and group 00 are never issued. (Serial 0000 isn't either, but the
 * sandbox bureau uses "…0000" as its bankruptcy case; a real bureau rejects it anyway.)
 */
export function isPlausibleSsn(digits: string) {
  if (!/^\d{9}$/.test(digits)) return false;
  const area = digits.slice(0, 3);
  return area !== "000" && area !== "666" && area[0] !== "9" && digits.slice(3, 5) !== "00";
}

export function ageOn(dateOfBirth: string, today: Date) {
  const [y, m, d] = dateOfBirth.split("-").map(Number) as [number, number, number];
  let age = today.getUTCFullYear() - y;
  if (today.getUTCMonth() + 1 < m || (today.getUTCMonth() + 1 === m && today.getUTCDate() < d))
    age -= 1;
  return age;
}

const isRealDate = (value: string) => {
  const [y, m, d] = value.split("-").map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
};

export function detailsSchema(options: { ssnOnFile: boolean; today?: Date }) {
  const today = options.today ?? new Date();
  const ssn = z
    .string()
    .trim()
    .transform((raw) => raw.replace(/[\s-]/g, ""))
    .refine(isPlausibleSsn, "Enter your 9-digit Social Security number");
  return z.object({
    dateOfBirth: z
      .string({ error: "Enter your date of birth" })
      .regex(/^\d{4}-\d{2}-\d{2}$/, "Enter your date of birth as YYYY-MM-DD")
      .refine(isRealDate, "That date doesn't exist")
      .refine((v) => ageOn(v, today) >= 18, "You must be at least 18 to apply")
      .refine((v) => ageOn(v, today) <= 120, "Check the year of your date of birth"),
    ssn: options.ssnOnFile
      ? ssn.optional()
      : ssn.pipe(z.string({ error: "Enter your Social Security number" })),
    monthlyIncome: dollars.refine(
      (c) => c <= 100_000_000,
      "That looks too high for a monthly income",
    ),
    housingCost: dollars.refine(
      (c) => c <= 10_000_000,
      "That looks too high for a monthly housing cost",
    ),
  });
}

export const consentsSchema = z.object({
  creditPull: z.literal("on", { error: "You need to authorize the credit check to continue" }),
  esign: z.literal("on", { error: "You need to agree to electronic records to continue online" }),
  privacy: z.literal("on", { error: "Please confirm you have read the privacy notice" }),
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

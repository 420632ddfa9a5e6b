import * as z from "zod/mini";

/**
 * The details form's schema, shared by the server (the action parses with it) and the browser
 * (inline validation with the very same one when JavaScript runs). It is written with `zod/mini`
 * because this module ships to the browser: mini tree-shakes to the few checks used here, while
 * classic `zod` (and @conform-to/zod, which imports it) added ≈100 KB of gzipped JavaScript to the
 * page (ADR 018). Server-only schemas live in `schemas.server.ts`. Parse with `parseForm`.
 */

/** "$5,200.50" → 520050 cents, exactly (no floating point). */
export const dollars = z.pipe(
  z
    .pipe(
      z.string({ error: "Enter an amount" }).check(z.trim()),
      z.transform((raw: string) => raw.replace(/[$,\s]/g, "")),
    )
    .check(
      z.refine(
        (raw) => /^\d{1,7}(\.\d{1,2})?$/.test(raw),
        "Enter an amount in dollars, like 4,500",
      ),
    ),
  z.transform((raw: string) => {
    const [whole, fraction = ""] = raw.split(".");
    return Number(whole) * 100 + Number(fraction.padEnd(2, "0"));
  }),
);

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

/** An empty field arrives as undefined (see parseForm): that is the "required" message. */
const ssnDigits = z
  .pipe(
    z.string({ error: "Enter your Social Security number" }).check(z.trim()),
    z.transform((raw: string) => raw.replace(/[\s-]/g, "")),
  )
  .check(z.refine(isPlausibleSsn, "Enter your 9-digit Social Security number"));

export function detailsSchema(options: { ssnOnFile: boolean; today?: Date }) {
  return z.object(detailsShape(options));
}

function detailsShape(options: { ssnOnFile: boolean; today?: Date }) {
  const today = options.today ?? new Date();
  return {
    dateOfBirth: z.string({ error: "Enter your date of birth" }).check(
      z.regex(/^\d{4}-\d{2}-\d{2}$/, "Enter your date of birth as YYYY-MM-DD"),
      z.refine(isRealDate, "That date doesn't exist"),
      z.refine((v) => ageOn(v, today) >= 18, "You must be at least 18 to apply"),
      z.refine((v) => ageOn(v, today) <= 120, "Check the year of your date of birth"),
    ),
    // With a number on file, an empty field keeps it.
    ssn: options.ssnOnFile ? z.optional(ssnDigits) : ssnDigits,
    monthlyIncome: dollars.check(
      z.refine((c) => c <= 100_000_000, "That looks too high for a monthly income"),
    ),
    housingCost: dollars.check(
      z.refine((c) => c <= 10_000_000, "That looks too high for a monthly housing cost"),
    ),
  };
}

/**
 * The consents, on the page where they apply (issue 17): the soft-inquiry authorization, E-SIGN
 * and privacy are accepted with the details the credit check needs; texts are optional (TCPA).
 */
export const consentFields = {
  creditPull: z.literal("on", { error: "You need to authorize the credit check to continue" }),
  esign: z.literal("on", { error: "You need to agree to electronic records to continue online" }),
  privacy: z.literal("on", { error: "Please confirm you have read the privacy notice" }),
  smsConsent: z.optional(z.literal("on")),
};

/** Details and consents in one form: the details page and the prequalification page. */
export function aboutYouSchema(options: { ssnOnFile: boolean; today?: Date }) {
  // One object of both shapes (not z.extend, which pulls all of zod's core into the page).
  return z.object({ ...detailsShape(options), ...consentFields });
}

/**
 * Who the creditor is (docs/product/lending.md "Who the creditor is"): the lender partner, not FlowPay. Its
 * legal name, address and the federal agency that supervises it (the ECOA notice's "agency that
 * administers compliance") come from the lender's configuration (app/lending/lenders.server.ts)
 * and appear in the disclosure, the agreement and the adverse action notice. Pure.
 */
import { z } from "zod";

export type Creditor = {
  legalName: string;
  /** One line: street, city, state and ZIP. */
  address: string;
  phone: string | null;
  supervisingAgency: { name: string; address: string; phone: string | null };
};

/** Text that must never reach a borrower where the creditor is named (ADR 033). */
export const placeholderPatterns: readonly RegExp[] = [
  /to be set/i,
  /\bTODO\b/i,
  /lorem/i,
  /example\.(com|org|net)/i,
  /\bplaceholder\b/i,
  /\bTBD\b/,
];

export function looksLikePlaceholder(text: string): boolean {
  return placeholderPatterns.some((pattern) => pattern.test(text));
}

const realText = (max: number) =>
  z
    .string()
    .trim()
    .min(3)
    .max(max)
    .refine((value) => !looksLikePlaceholder(value), "is a placeholder");

/** A street address that at least ends with a state code and a ZIP (e.g. "…, Austin, TX 78704"). */
const postalAddress = realText(300).refine(
  (value) => /\b[A-Z]{2}\s+\d{5}(-\d{4})?$/.test(value),
  'must end with a state code and ZIP, e.g. "Austin, TX 78704"',
);

export const creditorSchema = z.object({
  legalName: realText(200),
  address: postalAddress,
  phone: realText(40).nullable().optional(),
  supervisingAgency: z.object({
    name: realText(200),
    address: postalAddress,
    phone: realText(40).nullable().optional(),
  }),
});

export function parseCreditor(value: unknown): Creditor {
  const parsed = creditorSchema.parse(value);
  return {
    legalName: parsed.legalName,
    address: parsed.address,
    phone: parsed.phone ?? null,
    supervisingAgency: {
      name: parsed.supervisingAgency.name,
      address: parsed.supervisingAgency.address,
      phone: parsed.supervisingAgency.phone ?? null,
    },
  };
}

/**
 * The Federal Trade Commission, the ECOA agency (Regulation B, Appendix A) for a creditor that
 * is not a bank, credit union or other supervised institution — such as a consumer finance
 * company.
 */
export const federalTradeCommission = {
  name: "Federal Trade Commission",
  address: "Consumer Response Center, 600 Pennsylvania Avenue NW, Washington, DC 20580",
  phone: "1-877-382-4357",
} as const;

/**
 * The sandbox lender's identity: fictional (no such company), realistic in every field, so the
 * demo's pages and PDFs look like production's. Used for the mock lender and, outside
 * production only, for a configured lender that names no creditor.
 */
export const sandboxCreditor: Creditor = {
  legalName: "Bluebonnet Consumer Finance, LLC",
  address: "2100 Lakeshore Boulevard, Suite 400, Austin, TX 78704",
  phone: "1-512-555-0147",
  supervisingAgency: { ...federalTradeCommission },
};

/** "Name, address" — how the disclosure and the agreement name the creditor in one line. */
export function creditorLine(creditor: Creditor): string {
  return `${creditor.legalName}, ${creditor.address}`;
}

import { creditor } from "~/app/decisioning/adverse-action";
import { percentOfCents } from "~/app/decisioning/money";
import type { AgreementInput } from "./agreement";
import { agreementInputForTerms } from "./agreement-terms";

/**
 * Test fixtures for the agreement and its PDF: inputs built with the real decisioning
 * functions (amortize, buildDisclosure), never hand-written numbers. Tests only.
 */

/** An agreement input built with the real decisioning functions (no hand-written numbers). */
export function agreementInput(
  terms: { amountCents?: number; feeRate?: string; noteRate?: string; termMonths?: number } = {},
  overrides: Partial<AgreementInput> = {},
): AgreementInput {
  const amountCents = terms.amountCents ?? 500_000;
  const feeCents = terms.feeRate ? percentOfCents(amountCents, terms.feeRate) : 0;
  const input = agreementInputForTerms(
    {
      amountCents,
      noteRate: terms.noteRate ?? "9.99",
      termMonths: terms.termMonths ?? 36,
      feeCents,
    },
    {
      applicationId: "app_01TEST",
      loanDate: new Date("2025-01-15T16:00:00.000Z"),
      borrower: {
        fullName: "Alex Rivera",
        addressLines: ["12 Elm Street", "Springfield, IL 62701"],
      },
      merchant: { name: "Bright Smile Dental" },
      creditor: { name: creditor.name, address: creditor.address },
    },
  );
  return { ...input, ...overrides };
}

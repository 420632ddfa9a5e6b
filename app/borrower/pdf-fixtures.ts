import { creditor } from "~/app/decisioning/adverse-action";
import { buildDisclosure } from "~/app/decisioning/disclosure";
import { amortize, percentOfCents } from "~/app/decisioning/money";
import type { AgreementInput } from "./agreement";

/**
 * Test fixtures for the agreement and its PDF: inputs built with the real decisioning
 * functions (amortize, buildDisclosure), never hand-written numbers. Tests only.
 */

const lateCharge = { graceDays: 15, feeCents: 1_500 };

/** An agreement input built with the real decisioning functions (no hand-written numbers). */
export function agreementInput(
  terms: { amountCents?: number; feeRate?: string; noteRate?: string; termMonths?: number } = {},
  overrides: Partial<AgreementInput> = {},
): AgreementInput {
  const amountCents = terms.amountCents ?? 500_000;
  const noteRate = terms.noteRate ?? "9.99";
  const termMonths = terms.termMonths ?? 36;
  const feeCents = terms.feeRate ? percentOfCents(amountCents, terms.feeRate) : 0;
  const amortization = amortize(amountCents + feeCents, noteRate, termMonths);
  const disclosure = buildDisclosure({
    amountCents,
    originationFeeCents: feeCents,
    amortization,
    lateCharge,
  });
  return {
    applicationId: "app_01TEST",
    loanDate: new Date("2025-01-15T16:00:00.000Z"),
    borrower: { fullName: "Alex Rivera", addressLines: ["12 Elm Street", "Springfield, IL 62701"] },
    merchant: { name: "Bright Smile Dental" },
    creditor: { name: creditor.name, address: creditor.address },
    offer: {
      termMonths,
      noteRate,
      apr: disclosure.annualPercentageRate,
      monthlyPaymentCents: amortization.paymentCents,
      lastPaymentCents: amortization.lastPaymentCents,
      principalCents: amortization.principalCents,
      originationFeeCents: feeCents,
      amountFinancedCents: disclosure.amountFinancedCents,
    },
    disclosure,
    schedule: amortization.schedule,
    ...overrides,
  };
}

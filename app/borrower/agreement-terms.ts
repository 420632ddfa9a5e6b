import { buildDisclosure } from "~/app/decisioning/disclosure";
import { amortize } from "~/app/decisioning/money";
import type { AgreementInput } from "./agreement";

export type AgreementTerms = {
  amountCents: number;
  noteRate: string;
  termMonths: number;
  feeCents: number;
};

const lateCharge = { graceDays: 15, feeCents: 1_500 };

/**
 * An agreement input for these terms, priced by the real decisioning functions (amortize,
 * buildDisclosure), never hand-written numbers: the sample documents are stored against
 * (app/storage/documents.server.ts, ADR 087) and the tests' fixtures.
 */
export function agreementInputForTerms(
  terms: AgreementTerms,
  parties: Pick<
    AgreementInput,
    "applicationId" | "loanDate" | "borrower" | "merchant" | "creditor"
  >,
): AgreementInput {
  const { amountCents, noteRate, termMonths, feeCents } = terms;
  const amortization = amortize(amountCents + feeCents, noteRate, termMonths);
  const disclosure = buildDisclosure({
    amountCents,
    originationFeeCents: feeCents,
    amortization,
    lateCharge,
  });
  return {
    ...parties,
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
  };
}

import { appendixJApr } from "./apr";
import { formatMoney } from "~/app/money/dollars";
import type { Amortization } from "./money";

/**
 * The federal Truth-in-Lending box for one offer (Regulation Z §1026.18), as data: the
 * borrower's disclosure screen and the signed agreement both render this, so they can
 * never disagree. The creditor's identity is added when the lender is known (agreement).
 */
export type PaymentGroup = {
  count: number;
  amountCents: number;
  /** Payment number of the first payment in this group. */
  firstPaymentNumber: number;
  /** "Monthly, beginning 1 month after the loan date" and the like. */
  when: string;
};

export type Disclosure = {
  /** Appendix J actuarial APR, percent, 3 decimals. */
  annualPercentageRate: string;
  financeChargeCents: number;
  amountFinancedCents: number;
  totalOfPaymentsCents: number;
  paymentSchedule: PaymentGroup[];
  itemization: {
    /** Paid to the merchant for the job, on the borrower's behalf. */
    amountPaidToMerchantCents: number;
    amountPaidToBorrowerCents: number;
    /** The origination fee, financed into the loan. */
    prepaidFinanceChargeCents: number;
    /** Loan principal (note amount) = amount financed + prepaid finance charge. */
    principalCents: number;
  };
  noteRate: string;
  termMonths: number;
  lateCharge: { graceDays: number; feeCents: number; text: string };
  prepayment: { penalty: false; text: string };
};

export type DisclosureTerms = {
  amountCents: number;
  originationFeeCents: number;
  amortization: Amortization;
  lateCharge: { graceDays: number; feeCents: number };
};

function ordinalMonths(n: number) {
  return n === 1 ? "1 month" : `${n} months`;
}

export function paymentGroups(amortization: Amortization): PaymentGroup[] {
  const groups: PaymentGroup[] = [];
  for (const row of amortization.schedule) {
    const current = groups[groups.length - 1];
    if (current && current.amountCents === row.paymentCents) current.count += 1;
    else {
      groups.push({
        count: 1,
        amountCents: row.paymentCents,
        firstPaymentNumber: row.number,
        when: "",
      });
    }
  }
  for (const group of groups) {
    group.when =
      group.count === 1
        ? `${ordinalMonths(group.firstPaymentNumber)} after the loan date`
        : `Monthly, beginning ${ordinalMonths(group.firstPaymentNumber)} after the loan date`;
  }
  return groups;
}

export function buildDisclosure(terms: DisclosureTerms): Disclosure {
  const { amortization, amountCents, originationFeeCents } = terms;
  const amountFinanced = amountCents;
  const payments = amortization.schedule.map((row) => row.paymentCents);
  const total = amortization.totalOfPaymentsCents;
  return {
    annualPercentageRate: appendixJApr(amountFinanced, payments),
    financeChargeCents: total - amountFinanced,
    amountFinancedCents: amountFinanced,
    totalOfPaymentsCents: total,
    paymentSchedule: paymentGroups(amortization),
    itemization: {
      amountPaidToMerchantCents: amountCents,
      amountPaidToBorrowerCents: 0,
      prepaidFinanceChargeCents: originationFeeCents,
      principalCents: amortization.principalCents,
    },
    noteRate: amortization.noteRate,
    termMonths: amortization.termMonths,
    lateCharge: {
      ...terms.lateCharge,
      text: `If a payment is more than ${terms.lateCharge.graceDays} days late, you will be charged ${formatMoney(terms.lateCharge.feeCents)}.`,
    },
    prepayment: {
      penalty: false,
      text:
        originationFeeCents > 0
          ? "If you pay off early, you will not have to pay a penalty, and you will not be entitled to a refund of the prepaid finance charge (the origination fee)."
          : "If you pay off early, you will not have to pay a penalty.",
    },
  };
}

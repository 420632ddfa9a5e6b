/**
 * Tests only: a loan as the mock lender keeps it (a MockLenderStore record, ADR 025), funded on a
 * chosen day, with optional refunds — so a test, an end-to-end spec or a benchmark can put into
 * the lender's books what FlowPay's ledger does not know (or the reverse) and reconcile it.
 */
import type { MockLenderRecord } from "./mock-lender";
import { wireTimestamp, type WireLoan } from "./wire";

export function fundedMockLoan(args: {
  loanId: string;
  lenderLoanId: string;
  merchantId: string;
  amountCents: number;
  fundedAt: Date;
  refunds?: { id: string; reference: string; amountCents: number; at: Date }[];
}): WireLoan {
  const funded = wireTimestamp(args.fundedAt);
  const refunds = (args.refunds ?? []).map((r) => ({
    id: r.id,
    object: "refund" as const,
    loan_id: args.lenderLoanId,
    status: "completed" as const,
    amount_cents: r.amountCents,
    reference: r.reference,
    reason: "test",
    created_at: wireTimestamp(r.at),
    completed_at: wireTimestamp(r.at),
  }));
  return {
    id: args.lenderLoanId,
    object: "loan",
    status: "funded",
    external_loan_id: args.loanId,
    external_application_id: `app_of_${args.loanId}`,
    merchant_id: args.merchantId,
    principal_cents: args.amountCents,
    amount_financed_cents: args.amountCents,
    term_months: 36,
    apr: "9.99",
    note_rate: "9.99",
    monthly_payment_cents: Math.ceil(args.amountCents / 30),
    first_payment_date: "2027-01-15",
    borrower: { first_name: "Test", last_name: "Borrower", state: "TX" },
    funded_amount_cents: args.amountCents,
    funded_at: funded,
    canceled_at: null,
    created_at: funded,
    disbursements: [
      {
        id: `DISB-${args.lenderLoanId}`,
        object: "disbursement",
        loan_id: args.lenderLoanId,
        status: "completed",
        amount_cents: args.amountCents,
        merchant_account_last4: null,
        merchant_reference: args.loanId,
        failure_reason: null,
        created_at: funded,
        completed_at: funded,
      },
    ],
    ...(refunds.length > 0
      ? { refunds, refunded_cents: refunds.reduce((sum, r) => sum + r.amount_cents, 0) }
      : {}),
  } as WireLoan;
}

/** The loan as the record a MockLenderStore saves. */
export function mockLoanRecord(loan: WireLoan): MockLenderRecord {
  return { kind: "loan", key: loan.id, body: JSON.stringify(loan) };
}

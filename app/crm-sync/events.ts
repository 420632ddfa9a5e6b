/**
 * What FlowPay writes into the merchant's CRM for each status change the technician cares about:
 * a note on the customer (long form) and one line appended to the appointment's notes (short
 * form, what shows on the job). Pure; the marker that makes each write idempotent is added by
 * the adapter (note) or by sync.server.ts (appointment line).
 */
import type { ApplicationStatus } from "~/db/schema/applications";
import { crmSyncEvents, type CrmSyncEvent } from "~/jobs/handlers/sync-to-crm.definition";
import { formatMoney } from "~/app/money/dollars";

export { crmSyncEvents, type CrmSyncEvent };

export type SyncFacts = {
  applicationId: string;
  merchantName: string;
  amountCents: number;
  offer: { termMonths: number; apr: string; monthlyPaymentCents: number } | null;
  loan: {
    merchantFeeCents: number;
    disbursementCents: number;
    fundedAmountCents: number | null;
    fundedAt: Date | null;
  } | null;
  /** What the lender has refunded so far (ADR 053); absent or 0 before any refund. */
  refundedCents?: number;
};

/** "9.990" → "9.99" (at least two decimals, trailing zeros after them dropped). */
export function shortRate(apr: string): string {
  const [whole, fraction = ""] = apr.split(".");
  return `${whole}.${fraction.padEnd(2, "0").replace(/(\d{2}\d*?)0+$/, "$1")}`;
}

const day = (date: Date | null | undefined) => (date ? date.toISOString().slice(0, 10) : null);

/** The idempotency key (and so the note marker) of one status change of one application. */
export const syncKey = (applicationId: string, event: CrmSyncEvent) => `${applicationId}:${event}`;

export function noteText(event: CrmSyncEvent, facts: SyncFacts): string {
  const amount = formatMoney(facts.amountCents);
  const ref = `(FlowPay ref ${facts.applicationId})`;
  switch (event) {
    case "link_sent":
      return `FlowPay: financing link SENT to the customer for ${amount}. ${ref}`;
    case "approved":
      return `FlowPay: financing APPROVED for ${amount} — the customer can now choose an offer and sign. ${ref}`;
    case "declined":
      return `FlowPay: financing DECLINED — FlowPay has told the customer why; please offer another way to pay. ${ref}`;
    case "manual_review":
      return `FlowPay: financing IN REVIEW — a FlowPay specialist is checking the application (usually within 1 business day). ${ref}`;
    case "signed": {
      const terms = facts.offer
        ? ` — ${facts.offer.termMonths} months at ${shortRate(facts.offer.apr)}% APR, ${formatMoney(facts.offer.monthlyPaymentCents)}/month`
        : "";
      return `FlowPay: financing SIGNED for ${amount}${terms}; funding in progress. ${ref}`;
    }
    case "funded": {
      const loan = facts.loan;
      if (!loan) return `FlowPay: financing FUNDED — ${amount}. ${ref}`;
      const paid = formatMoney(loan.fundedAmountCents ?? loan.disbursementCents);
      const on = day(loan.fundedAt);
      return `FlowPay: financing FUNDED — ${amount} paid: ${paid} to ${facts.merchantName} after the ${formatMoney(loan.merchantFeeCents)} merchant fee${on ? `, on ${on}` : ""}. ${ref}`;
    }
    case "canceled":
      return `FlowPay: financing CANCELED for ${amount}. ${ref}`;
    case "lender_declined":
      return `FlowPay: the LENDER DECLINED the signed loan for ${amount} — nothing will be paid yet; FlowPay is trying another lender or will cancel, and has told the customer. ${ref}`;
    case "partially_refunded":
    case "refunded": {
      const refunded = formatMoney(facts.refundedCents ?? 0);
      return event === "refunded"
        ? `FlowPay: financing REFUNDED in full — ${refunded} of ${amount} returned to the customer's loan, which is closed; the refund less its share of the merchant fee comes out of ${facts.merchantName}'s next payouts. ${ref}`
        : `FlowPay: financing PARTIALLY REFUNDED — ${refunded} of ${amount} returned to the customer's loan; the refund less its share of the merchant fee comes out of ${facts.merchantName}'s next payouts. ${ref}`;
    }
    case "awaiting_completion":
      return `FlowPay: financing SIGNED for ${amount} — the payment WAITS for the job: once it is done, mark it complete in FlowPay and the customer is asked to release the payment (it releases itself 7 days later unless the customer reports a problem). ${ref}`;
    case "released":
      return `FlowPay: payment RELEASED for ${amount} — the job is confirmed done (by the customer, or 7 days passed without a problem reported); the lender pays ${facts.merchantName} next. ${ref}`;
    case "lender_rerouted":
      return `FlowPay: financing REROUTED to another lender for ${amount} — the customer signs a new agreement, then funding follows. ${ref}`;
  }
}

const labels: Record<CrmSyncEvent, string> = {
  link_sent: "LINK SENT",
  approved: "APPROVED",
  declined: "DECLINED",
  manual_review: "IN REVIEW",
  signed: "SIGNED",
  funded: "FUNDED",
  canceled: "CANCELED",
  lender_declined: "LENDER DECLINED",
  lender_rerouted: "REROUTED",
  awaiting_completion: "AWAITING COMPLETION",
  released: "PAYMENT RELEASED",
  partially_refunded: "PARTIALLY REFUNDED",
  refunded: "REFUNDED",
};

/** The one line appended to the appointment's notes (the marker is added after it). */
export function appointmentLine(event: CrmSyncEvent, facts: SyncFacts, at: Date): string {
  const when = event === "funded" ? (day(facts.loan?.fundedAt) ?? day(at)) : day(at);
  return `FlowPay financing: ${labels[event]} ${formatMoney(facts.amountCents)} (${when})`;
}

/** `notes` with `line` appended on its own line (what technicians wrote stays). */
export function appendLine(notes: string, line: string): string {
  const kept = notes.replace(/\s+$/, "");
  return kept ? `${kept}\n${line}` : line;
}

/** The latest status change an application's CRM should show, or null when there is none. */
export function eventForStatus(status: ApplicationStatus): CrmSyncEvent | null {
  switch (status) {
    case "link_sent":
    case "in_progress":
    case "submitted":
      return "link_sent";
    case "approved":
    case "declined":
    case "manual_review":
    case "funded":
    case "canceled":
    case "lender_declined":
      return status;
    case "offer_accepted":
    case "pending_funding":
      return "signed";
    // Signed; the disbursement waits for the job (the release writes its own note).
    case "awaiting_completion":
      return "awaiting_completion";
    // Written when the lender confirms a refund (ADR 053).
    case "partially_refunded":
    case "refunded":
      return status;
    case "expired":
      return null;
  }
}

import { formatMoney } from "~/app/money/dollars";

/**
 * Every text names FlowPay and says how to opt out (TCPA, docs/product/lending.md "Consent").
 * Bodies stay short: one or two SMS segments.
 */
export const smsFooter = "Reply STOP to opt out, HELP for help.";

/** A funding condition needs a document (ADR 035): asked again after a rejection. */
type DocumentsNeeded = { template: "documents_needed"; merchantName: string; rejected: boolean };

export type SmsTemplate =
  | DocumentsNeeded
  | { template: "apply_link"; merchantName: string; amountCents: number; url: string }
  | { template: "apply_link_replaced"; merchantName: string; amountCents: number; url: string }
  /** A prequalification link (soft pull, no commitment; ADR 066). */
  | { template: "prequal_link"; merchantName: string; url: string }
  | { template: "link_replaced"; merchantName: string; amountCents: number }
  | { template: "opt_out_confirmation" }
  | { template: "opt_in_confirmation" }
  | { template: "help" }
  | { template: "help_opted_out" }
  | {
      template: "decision_ready";
      merchantName: string;
      status: "approved" | "declined" | "manual_review";
    }
  | { template: "loan_funded"; merchantName: string; amountCents: number }
  /** The lender refused the signed loan (ADR 032): nothing is owed, FlowPay looks for another lender. */
  | { template: "lender_declined"; merchantName: string }
  | { template: "lender_rerouted"; merchantName: string; creditorName: string; url: string }
  | { template: "lender_declined_canceled"; merchantName: string }
  /** Funding on completion (ADR 050): the merchant says the job is done; the borrower releases. */
  | { template: "release_requested"; merchantName: string; amountCents: number; url: string }
  | { template: "payment_released"; merchantName: string; by: "borrower" | "timer" | "flowops" }
  | { template: "release_paused"; merchantName: string }
  /** A signed application canceled before the money moved (ADR 055). */
  | {
      template: "financing_canceled";
      merchantName: string;
      by: "merchant" | "borrower" | "flowops";
    }
  /** The merchant changed the amount (ADR 054): a link to sign again, or null while it is reviewed. */
  | { template: "amount_changed"; merchantName: string; amountCents: number; url: string | null }
  /** An underwriter asks for a document or an answer (ADR 076): a single-purpose link. */
  | { template: "info_requested"; merchantName: string; url: string; hours: number }
  /** An underwriter's counter-offer (ADR 077): less than asked, on the borrower's own link. */
  | { template: "counter_offer"; merchantName: string; amountCents: number }
  /** A refund the lender applied to the loan (ADR 053); `fully`: the loan is closed. */
  | { template: "refund_completed"; merchantName: string; amountCents: number; fully: boolean };

export function renderSms(input: SmsTemplate): string {
  switch (input.template) {
    case "apply_link":
      return `FlowPay: ${input.merchantName} offers financing for your ${formatMoney(input.amountCents)} job. Apply in 2 minutes: ${input.url} (link valid 24 h). ${smsFooter}`;
    case "apply_link_replaced":
      return `FlowPay: ${input.merchantName} updated your financing offer to ${formatMoney(input.amountCents)}; the link we sent before no longer works. Apply here: ${input.url} (link valid 24 h). ${smsFooter}`;
    case "prequal_link":
      return `FlowPay: ${input.merchantName} invites you to see if you prequalify for financing. It's a soft credit check and won't affect your score: ${input.url} (link valid 24 h). ${smsFooter}`;
    case "link_replaced":
      return `FlowPay: ${input.merchantName} updated your financing offer to ${formatMoney(input.amountCents)}; the link we sent before no longer works. ${input.merchantName} will send you the new one. ${smsFooter}`;
    case "opt_out_confirmation":
      return "FlowPay: you're unsubscribed and will get no more texts from us. Reply START to resubscribe.";
    case "opt_in_confirmation":
      return `FlowPay: you're subscribed to texts about your financing application again. ${smsFooter}`;
    case "decision_ready":
      return input.status === "approved"
        ? `FlowPay: good news — you're approved for financing with ${input.merchantName}. Open the link we texted you earlier to choose your offer. ${smsFooter}`
        : input.status === "manual_review"
          ? `FlowPay: thanks for applying for financing with ${input.merchantName}. A specialist is reviewing your application; we'll text you when it's decided. ${smsFooter}`
          : `FlowPay: your financing application with ${input.merchantName} has a decision. Open the link we texted you earlier to read it, or check your e-mail. ${smsFooter}`;
    case "loan_funded":
      return `FlowPay: your loan is funded and ${formatMoney(input.amountCents)} has been paid to ${input.merchantName}. Your first payment details are in your agreement. ${smsFooter}`;
    case "lender_declined":
      return `FlowPay: the lending partner could not fund your loan for ${input.merchantName}. You owe nothing on it. We're checking whether another lender can, and will text you within 1 business day. ${smsFooter}`;
    case "lender_rerouted":
      return `FlowPay: ${input.creditorName} can fund your financing with ${input.merchantName}. Review and sign the new agreement: ${input.url} (link valid 24 h). ${smsFooter}`;
    case "release_requested":
      return `FlowPay: ${input.merchantName} says your job is done. If it is, release the ${formatMoney(input.amountCents)} payment — or tell us about a problem: ${input.url} (without an answer it releases itself in 7 days). ${smsFooter}`;
    case "payment_released":
      return input.by === "timer"
        ? `FlowPay: 7 days passed since ${input.merchantName} finished your job, so we released the payment as agreed. Your loan continues as in your agreement. ${smsFooter}`
        : `FlowPay: the payment to ${input.merchantName} is released${input.by === "flowops" ? " after our review" : " — thank you"}. We'll text you when it has been paid. ${smsFooter}`;
    case "release_paused":
      return `FlowPay: we've paused the payment to ${input.merchantName} and a specialist will look at the problem you reported within 1 business day. ${smsFooter}`;
    case "lender_declined_canceled":
      return `FlowPay: no lending partner could fund your loan for ${input.merchantName}, so the application is closed. You owe nothing on it; please pay ${input.merchantName} another way. ${smsFooter}`;
    case "financing_canceled":
      return `FlowPay: your financing with ${input.merchantName} was canceled${input.by === "borrower" ? " as you asked" : input.by === "merchant" ? ` by ${input.merchantName}` : ""} before any money was paid out. You owe nothing on it. ${smsFooter}`;
    case "amount_changed":
      return input.url
        ? `FlowPay: ${input.merchantName} changed your financing to ${formatMoney(input.amountCents)}. Review and sign the updated agreement: ${input.url} (link valid 24 h). ${smsFooter}`
        : `FlowPay: ${input.merchantName} changed your financing to ${formatMoney(input.amountCents)}, above what you were approved for; a specialist reviews it and we'll text you. ${smsFooter}`;
    case "refund_completed":
      return input.fully
        ? `FlowPay: ${input.merchantName} refunded ${formatMoney(input.amountCents)} and your loan is now closed. You owe nothing more on it. ${smsFooter}`
        : `FlowPay: ${input.merchantName} refunded ${formatMoney(input.amountCents)}; your loan balance is lower by that amount. Keep paying as agreed until your lender sends the new schedule. ${smsFooter}`;
    case "info_requested":
      return `FlowPay: to finish reviewing your financing with ${input.merchantName} we need a little more from you: ${input.url} (link valid ${input.hours} h). ${smsFooter}`;
    case "counter_offer":
      return `FlowPay: we can't finance the full amount of your job with ${input.merchantName}, but we can offer ${formatMoney(input.amountCents)}. Open the link we texted you earlier to see the plans, accept or decline. ${smsFooter}`;
    case "documents_needed":
      return input.rejected
        ? `FlowPay: we could not accept a document you sent for your financing with ${input.merchantName}. Open the link we texted you earlier to see why and send it again. ${smsFooter}`
        : `FlowPay: before your financing with ${input.merchantName} can be paid out we need a document from you. Open the link we texted you earlier to upload it. ${smsFooter}`;
    case "help":
      return `FlowPay financing texts about your application. Help: support@flowpay.example or reply here. Msg&data rates may apply. ${smsFooter}`;
    case "help_opted_out":
      // Carriers require an answer to HELP even from a number that opted out (CTIA).
      return "FlowPay financing texts about your application. Help: support@flowpay.example. You're unsubscribed and get no other texts from us. Reply START to resubscribe.";
  }
}

/** Inbound keywords (docs/product/lending.md): Twilio's own STOP words plus REVOKE and OPT OUT. */
const optOutWords = new Set([
  "STOP",
  "STOPALL",
  "UNSUBSCRIBE",
  "CANCEL",
  "END",
  "QUIT",
  "REVOKE",
  "OPT OUT",
  "OPTOUT",
]);
const optInWords = new Set(["START", "UNSTOP", "YES"]);
const helpWords = new Set(["HELP", "INFO"]);

export type InboundIntent = "opt_out" | "opt_in" | "help" | "other";

/** What an inbound text asks for: the whole message, trimmed and case-folded, is the keyword. */
export function classifyInbound(body: string): InboundIntent {
  const word = body
    .trim()
    .replace(/[.!\s]+$/, "")
    .replace(/\s+/g, " ")
    .toUpperCase();
  // Any reasonable means counts (TCPA, 2025): "Stop texting me" opts out just like "STOP".
  const firstWords = [word.split(" ")[0]!, word.split(" ").slice(0, 2).join(" ")];
  if (optOutWords.has(word) || firstWords.some((w) => optOutWords.has(w))) return "opt_out";
  if (optInWords.has(word)) return "opt_in";
  if (helpWords.has(word)) return "help";
  return "other";
}

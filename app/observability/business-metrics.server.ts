import client from "prom-client";
import { metrics } from "./metrics.server";
import { singleton } from "~/app/singleton.server";

/** Business counters of the architecture document (docs/product/architecture.md) ("Metrics & Dashboards"), one registry per process. */
function createBusinessMetrics() {
  const registers = [metrics.registry];
  return {
    applicationsCreated: new client.Counter({
      name: "applications_created_total",
      help: "Applications opened through the CRM API",
      labelNames: ["crm"],
      registers,
    }),
    applicationsCanceled: new client.Counter({
      name: "applications_canceled_total",
      help: "Applications canceled by the CRM",
      registers,
    }),
    linksResent: new client.Counter({
      name: "borrower_links_resent_total",
      help: "Borrower links re-sent by the CRM",
      registers,
    }),
    smsDelivery: new client.Counter({
      name: "sms_messages_total",
      help: "Text messages by outcome of the send job (sent, suppressed, failed, reconciled)",
      labelNames: ["outcome"],
      registers,
    }),
    smsOptOuts: new client.Counter({
      name: "sms_opt_outs_total",
      help: "Inbound opt-out (STOP…) and opt-in (START…) requests",
      labelNames: ["intent"],
      registers,
    }),
    idempotentReplays: new client.Counter({
      name: "api_idempotent_replays_total",
      help: "CRM requests answered from an earlier Idempotency-Key response",
      registers,
    }),
    loansCreated: new client.Counter({
      name: "loans_created_total",
      help: "Loans created at a lender (confirmed by the lender)",
      labelNames: ["lender"],
      registers,
    }),
    loansFunded: new client.Counter({
      name: "loans_funded_total",
      help: "Loans funded (the lender's loan.funded applied)",
      labelNames: ["lender"],
      registers,
    }),
    loansFundedAmount: new client.Counter({
      name: "loans_funded_amount_cents_total",
      help: "Amount funded by lenders, in cents",
      labelNames: ["lender"],
      registers,
    }),
    decisions: new client.Counter({
      name: "decisions_total",
      help: "Credit decisions recorded, by outcome (approved, declined, review, …) and mode (automatic, manual)",
      labelNames: ["outcome", "mode"],
      registers,
    }),
    partnerCallErrors: new client.Counter({
      name: "partner_call_errors_total",
      help: "Failed calls to partners (lender:<name>, fieldroutes, oauth CRMs), by partner",
      labelNames: ["partner"],
      registers,
    }),
  };
}

export const businessMetrics = singleton<ReturnType<typeof createBusinessMetrics>>(
  "businessMetrics",
  () => createBusinessMetrics(),
);

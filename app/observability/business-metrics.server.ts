import client from "prom-client";
import { metrics } from "./metrics.server";
import { singleton } from "~/app/singleton.server";

/**
 * The business counters of the architecture document (docs/product/architecture.md, "Metrics &
 * Dashboards"): one row each — the property the code increments, the Prometheus name, its help
 * text and its labels. A table, so that adding a counter is one line and every counter is
 * registered the same way (they were eleven copies of the same constructor call).
 */
const businessCounters = {
  applicationsCreated: [
    "applications_created_total",
    "Applications opened through the CRM API",
    ["crm"],
  ],
  applicationsCanceled: ["applications_canceled_total", "Applications canceled by the CRM", []],
  linksResent: ["borrower_links_resent_total", "Borrower links re-sent by the CRM", []],
  smsDelivery: [
    "sms_messages_total",
    "Text messages by outcome of the send job (sent, suppressed, failed, reconciled)",
    ["outcome"],
  ],
  smsOptOuts: [
    "sms_opt_outs_total",
    "Inbound opt-out (STOP…) and opt-in (START…) requests",
    ["intent"],
  ],
  idempotentReplays: [
    "api_idempotent_replays_total",
    "CRM requests answered from an earlier Idempotency-Key response",
    [],
  ],
  loansCreated: [
    "loans_created_total",
    "Loans created at a lender (confirmed by the lender)",
    ["lender"],
  ],
  loansFunded: [
    "loans_funded_total",
    "Loans funded (the lender's loan.funded applied)",
    ["lender"],
  ],
  loansFundedAmount: [
    "loans_funded_amount_cents_total",
    "Amount funded by lenders, in cents",
    ["lender"],
  ],
  decisions: [
    "decisions_total",
    "Credit decisions recorded, by outcome (approved, declined, review, …) and mode (automatic, manual)",
    ["outcome", "mode"],
  ],
  partnerCallErrors: [
    "partner_call_errors_total",
    "Failed calls to partners (lender:<name>, fieldroutes, oauth CRMs), by partner",
    ["partner"],
  ],
  reconciliationDifferences: [
    "flowpay_reconciliation_differences_total",
    "Differences between a lender's settlement report and the ledger, by lender and issue (each a FlowOps reconciliation item)",
    ["lender", "issue"],
  ],
} as const satisfies Record<
  string,
  readonly [name: string, help: string, labels: readonly string[]]
>;

type BusinessCounters = {
  [K in keyof typeof businessCounters]: client.Counter<
    (typeof businessCounters)[K][2] extends readonly []
      ? string
      : (typeof businessCounters)[K][2][number]
  >;
};

function createBusinessMetrics(): BusinessCounters {
  const registers = [metrics.registry];
  const entries = Object.entries(businessCounters).map(([key, [name, help, labelNames]]) => [
    key,
    new client.Counter(
      labelNames.length > 0 ? { name, help, labelNames, registers } : { name, help, registers },
    ),
  ]);
  return Object.fromEntries(entries) as BusinessCounters;
}

export const businessMetrics = singleton<BusinessCounters>("businessMetrics", () =>
  createBusinessMetrics(),
);

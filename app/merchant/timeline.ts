/**
 * An application's timeline as the merchant sees it (docs/product/merchants-and-money.md: the
 * timeline *without borrower PII* — never SSN, date of birth, income, bank or credit data — and
 * no decline reasons: the merchant is not the creditor). Built from an allow-list: an audit
 * action or message template not named here is left out, so a new kind of event stays private
 * until someone decides the merchant may see it. Audit details and message bodies are never
 * read at all.
 */

export type PortalTimelineEvent = { at: string; label: string };

const actionLabels: Record<string, string> = {
  "application.create": "Financing offered",
  "application.resend_link": "Link sent again",
  "application.supersede": "Replaced by a new offer for the same job",
  "application.sign": "Customer signed the loan agreement",
  "application.cancel": "Canceled",
  "application.lender_reroute": "Moved to another lending partner",
  "application.lender_declined_cancel": "Closed: no lending partner could fund it",
  // Money after the signature (ADRs 054, 055).
  "application.cancel_signed": "Canceled before payment; the loan was withdrawn",
  "application.borrower_cancel": "Customer canceled the financing before payment",
  "application.amount_change": "Amount changed",
};

const templateLabels: Record<string, string> = {
  apply_link: "Financing link",
  apply_link_replaced: "New financing link",
  portal_apply_link: "Financing link",
  link_replaced: "Link replaced",
  agreement_signed: "Signed agreement",
  loan_funded: "Loan funded",
  funded: "Loan funded",
  refund_completed: "Refund applied to the loan",
  financing_canceled: "Financing canceled",
  amount_changed: "Amount changed: new agreement to sign",
};

const channelLabels = { sms: "Text", email: "E-mail" } as const;

const decisionLabels: Record<string, string> = {
  approved: "Decision: approved",
  declined: "Decision: not approved",
  manual_review: "Decision: in review",
};

export function portalTimeline(input: {
  createdAt: Date;
  submittedAt: Date | null;
  decision: { status: string; decidedAt: Date } | undefined;
  loan: { fundedAt: Date | null } | undefined;
  actions: { action: string; at: Date }[];
  messages: { channel: "sms" | "email"; template: string; status: string; at: Date }[];
}): PortalTimelineEvent[] {
  const events: { at: Date; label: string }[] = [];
  const hasCreate = input.actions.some((a) => a.action === "application.create");
  if (!hasCreate) events.push({ at: input.createdAt, label: "Financing offered" });
  for (const a of input.actions) {
    const label = actionLabels[a.action];
    if (label) events.push({ at: a.at, label });
  }
  for (const m of input.messages) {
    const label = templateLabels[m.template];
    if (label)
      events.push({ at: m.at, label: `${channelLabels[m.channel]}: ${label} (${m.status})` });
  }
  if (input.submittedAt)
    events.push({ at: input.submittedAt, label: "Customer submitted the application" });
  if (input.decision) {
    const label = decisionLabels[input.decision.status];
    if (label) events.push({ at: input.decision.decidedAt, label });
  }
  if (input.loan?.fundedAt) events.push({ at: input.loan.fundedAt, label: "Funded" });
  return events
    .sort((a, b) => a.at.getTime() - b.at.getTime())
    .map((e) => ({ at: e.at.toISOString(), label: e.label }));
}

/** "+15125550142" → "(•••) •••-0142": enough to recognise a customer, not to call them. */
export function maskPhone(phone: string | null | undefined) {
  if (!phone) return "—";
  const digits = phone.replace(/\D/g, "");
  return digits.length >= 4 ? `(•••) •••-${digits.slice(-4)}` : "•••";
}

/** "jamie.rivera@example.com" → "j•••@example.com". */
export function maskEmail(email: string | null | undefined) {
  if (!email) return "—";
  const at = email.lastIndexOf("@");
  if (at < 1) return "•••";
  return `${email[0]}•••${email.slice(at)}`;
}

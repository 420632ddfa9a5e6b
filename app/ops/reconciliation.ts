/**
 * The FlowOps reconciliation queue's words and form parsing (pure; ADR 056): how an item's
 * issue and kind read, the difference between the two sides, and the two forms.
 */
import { z } from "zod";

export const issueLabels: Record<string, string> = {
  missing_in_ledger: "The lender reports it; our ledger has nothing",
  missing_at_lender: "Our ledger has it; the lender does not report it",
  amount_mismatch: "Both sides have it, with different amounts",
};

export const kindLabels: Record<string, string> = {
  disbursement: "Disbursement",
  refund: "Refund",
};

/** Lender minus ledger, in cents (a missing side counts as 0). */
export function differenceCents(item: {
  lenderCents: number | null;
  ledgerCents: number | null;
}): number {
  return (item.lenderCents ?? 0) - (item.ledgerCents ?? 0);
}

/** An item as both screens show it: dates, labels and the two sides with their difference. */
export function itemView(item: {
  id: string;
  settlementDate: string;
  lender: string;
  loanId: string;
  kind: string;
  issue: string;
  lenderCents: number | null;
  ledgerCents: number | null;
}) {
  return {
    id: item.id,
    date: item.settlementDate,
    lender: item.lender,
    loanId: item.loanId,
    kind: kindLabels[item.kind] ?? item.kind,
    issue: issueLabels[item.issue] ?? item.issue,
    lenderCents: item.lenderCents,
    ledgerCents: item.ledgerCents,
    differenceCents: differenceCents(item),
  };
}

/** Notices after a redirect, by `?done=` (never text from the query itself). */
export const reconciliationNotices: Record<string, string> = {
  requested: "Reconciliation requested: the job runs in a moment; refresh to see its result.",
  resolved: "Difference resolved. The note is on the item and in the audit log.",
};

const isoDate = z
  .string()
  .trim()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "Enter a date as YYYY-MM-DD.");

export const reconcileForm = z.object({ date: isoDate });

export const resolveForm = z.object({
  note: z
    .string()
    .trim()
    .min(3, "Write what you found and did (at least 3 characters).")
    .max(2000, "Keep the note under 2,000 characters."),
});

/** The first problem of a parse, for the form's alert. */
export function firstIssue(error: z.ZodError): string {
  return error.issues[0]?.message ?? "The form is not valid.";
}

/** Yesterday (UTC), the date the daily run reconciles: the form's default. */
export function yesterday(now = new Date()): string {
  return new Date(now.getTime() - 86_400_000).toISOString().slice(0, 10);
}

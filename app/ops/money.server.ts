/**
 * The "Money" section of FlowOps' application page (issue 15): the loan's ledger lines grouped by
 * ledger transaction (each must sum to zero: docs/decisions/044-double-entry-ledger.md), its
 * refunds, and FlowOps' cancellation before disbursement (ADR 055).
 */
import { parseWithZod } from "@conform-to/zod/v4";
import { data } from "@remix-run/node";
import { asc, eq } from "drizzle-orm";
import { z } from "zod";
import type { Database } from "~/db/client";
import { ledgerEntries, loans, refunds } from "~/db/schema/index";
import type { ApplicationStatus } from "~/db/schema/applications";
import { clientInfo } from "~/app/audit/audit.server";
import { getDatabase } from "~/app/db.server";
import { CancelError, cancelSigned, signedCancelable } from "~/app/lending/cancel.server";
import { firstError } from "./form-schemas.server";
import { requireAction } from "./guard.server";

export type LedgerTransactionView = {
  transactionId: string;
  kind: string;
  at: string;
  lines: { account: string; amountCents: number }[];
  sumCents: number;
};

export type LoanMoney = {
  transactions: LedgerTransactionView[];
  balanced: boolean;
  refunds: { id: string; amountCents: number; status: string; reason: string; at: string }[];
};

export async function loanMoney(database: Database, applicationId: string): Promise<LoanMoney> {
  const loan = await database.reader.db
    .select({ id: loans.id })
    .from(loans)
    .where(eq(loans.applicationId, applicationId))
    .get();
  if (!loan) return { transactions: [], balanced: true, refunds: [] };
  const [lines, refundRows] = await Promise.all([
    database.reader.db
      .select()
      .from(ledgerEntries)
      .where(eq(ledgerEntries.loanId, loan.id))
      .orderBy(asc(ledgerEntries.id)),
    database.reader.db
      .select()
      .from(refunds)
      .where(eq(refunds.loanId, loan.id))
      .orderBy(asc(refunds.createdAt)),
  ]);
  const byTransaction = new Map<string, LedgerTransactionView>();
  for (const line of lines) {
    const view = byTransaction.get(line.transactionId) ?? {
      transactionId: line.transactionId,
      kind: line.kind,
      at: line.createdAt.toISOString(),
      lines: [],
      sumCents: 0,
    };
    view.lines.push({ account: line.account, amountCents: line.amountCents });
    view.sumCents += line.amountCents;
    byTransaction.set(line.transactionId, view);
  }
  const transactions = [...byTransaction.values()];
  return {
    transactions,
    balanced: transactions.every((t) => t.sumCents === 0),
    refunds: refundRows.map((r) => ({
      id: r.id,
      amountCents: r.amountCents,
      status: r.status,
      reason: r.reason,
      at: r.createdAt.toISOString(),
    })),
  };
}

/** Whether FlowOps may cancel now (signed, no disbursement requested). */
export function opsMayCancel(
  status: ApplicationStatus,
  loan: { disbursementId?: string | null } | null,
) {
  return signedCancelable.has(status) && !loan?.disbursementId;
}

export const isCancelIntent = (value: unknown) => value === "cancel_financing";

const cancelForm = z.object({
  reason: z
    .string()
    .trim()
    .min(10, "Say why in at least 10 characters (it goes to the audit log)")
    .max(500),
});

export type CancelResult = { revealed: null; error: string | null; notice: string | null };

/** FlowOps cancels a signed application before the money moves (permission resolve:review). */
export async function opsCancelAction(request: Request, applicationId: string, form: FormData) {
  const { operator } = await requireAction(request, "resolve:review");
  // Read with Conform (issue 18); an empty reason reaches the schema as "" to get its message.
  const parsed = parseWithZod(form, { schema: cancelForm, disableAutoCoercion: true });
  if (parsed.status !== "success") {
    const error = firstError(parsed.error);
    return data<CancelResult>({ revealed: null, error, notice: null }, { status: 422 });
  }
  const client = clientInfo(request);
  try {
    await cancelSigned(await getDatabase(), {
      applicationId,
      by: "flowops",
      reason: parsed.value.reason,
      actor: {
        actorType: "operator",
        actorId: operator.id,
        ip: client.ip,
        userAgent: client.userAgent,
      },
    });
  } catch (error) {
    if (error instanceof CancelError) {
      return data<CancelResult>(
        { revealed: null, error: error.message, notice: null },
        { status: error.code === "not_found" ? 404 : 409 },
      );
    }
    throw error;
  }
  return {
    revealed: null,
    error: null,
    notice: "Canceled: the loan is withdrawn at the lender; the borrower and the CRM are told.",
  } satisfies CancelResult;
}

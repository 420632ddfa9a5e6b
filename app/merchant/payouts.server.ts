import type { Database } from "~/db/client";
import { StatementMonthError } from "~/app/lending/payouts";
import type { PortalScope } from "./scope.server";

/**
 * The portal's payouts screen and statement downloads (docs/product/merchants-and-money.md,
 * "The merchant portal"; ADR 057): what the ledger says, read through the merchant's scope, shaped for the
 * page. The figures are the ledger module's; nothing is recomputed here.
 */

/** "YYYY-MM" of `now` (UTC): the month the picker opens on. */
export function currentMonth(now = new Date()) {
  return now.toISOString().slice(0, 7);
}

/** A month from the picker, or the current one when it is missing or malformed. */
export function pickedMonth(raw: string | null, now = new Date()) {
  return raw && /^\d{4}-(0[1-9]|1[0-2])$/.test(raw) ? raw : currentMonth(now);
}

export async function payoutsPage(database: Database, scope: PortalScope, month: string) {
  const [payouts, statement] = await Promise.all([
    scope.payouts(database),
    scope.statement(database, month),
  ]);
  return {
    owedCents: payouts.owedCents,
    next: payouts.next,
    totals: {
      earnedCents: payouts.earnedCents,
      clawbacksCents: payouts.clawbacksCents,
      paidOutCents: payouts.paidOutCents,
    },
    // Newest first: the merchant looks for the last one.
    payouts: payouts.payouts
      .map((p) => ({ id: p.transactionId, date: p.date.toISOString(), amountCents: p.amountCents }))
      .reverse(),
    clawbacks: payouts.clawbacks
      .map((c) => ({
        id: c.transactionId,
        date: c.date.toISOString(),
        applicationId: c.applicationId,
        refundedCents: c.refundedCents,
        feeReturnedCents: c.feeReturnedCents,
        clawbackCents: c.clawbackCents,
        nettedOn: c.nettedOn?.toISOString() ?? null,
      }))
      .reverse(),
    statement: statement && {
      month,
      openingCents: statement.statement.openingCents,
      lines: statement.statement.lines.length,
      netCents: statement.statement.totals.netCents,
      closingCents: statement.statement.closingCents,
    },
  };
}

/**
 * `/merchant/statements/{YYYY-MM}.csv|.pdf`: the file, or null for a malformed name (404).
 * The merchant is the scope's: there is no id in the path to be another merchant's.
 */
export async function statementDownload(database: Database, scope: PortalScope, file: string) {
  const match = /^(\d{4}-\d{2})\.(csv|pdf)$/.exec(file);
  if (!match) return null;
  const [, month, format] = match as unknown as [string, string, "csv" | "pdf"];
  try {
    const exported = await scope.statement(database, month);
    if (!exported) return null;
    return format === "csv"
      ? {
          body: exported.csv as string | Uint8Array,
          type: "text/csv; charset=utf-8",
          filename: `${exported.filename}.csv`,
        }
      : { body: exported.pdf, type: "application/pdf", filename: `${exported.filename}.pdf` };
  } catch (error) {
    if (error instanceof StatementMonthError) return null;
    throw error;
  }
}

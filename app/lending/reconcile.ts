/**
 * Daily reconciliation, pure: the lender's settlement report against the ledger, loan by loan.
 * Every difference becomes one item a person looks at (FlowOps); nothing is corrected silently.
 */
export type SettlementLine = {
  /** Our loan id (the lender echoes the external reference we gave it). */
  loanId: string;
  kind: "disbursement" | "refund";
  amountCents: number;
};

export type LedgerMovement = SettlementLine;

export type Difference =
  | {
      loanId: string;
      kind: SettlementLine["kind"];
      issue: "missing_in_ledger";
      lenderCents: number;
    }
  | {
      loanId: string;
      kind: SettlementLine["kind"];
      issue: "missing_at_lender";
      ledgerCents: number;
    }
  | {
      loanId: string;
      kind: SettlementLine["kind"];
      issue: "amount_mismatch";
      lenderCents: number;
      ledgerCents: number;
    };

function totals(lines: Iterable<SettlementLine>): Map<string, number> {
  const result = new Map<string, number>();
  for (const line of lines) {
    const key = `${line.loanId}\u0000${line.kind}`;
    result.set(key, (result.get(key) ?? 0) + line.amountCents);
  }
  return result;
}

/** The differences, ordered by loan id then kind (stable, so a re-run finds the same items). */
export function reconcile(
  report: Iterable<SettlementLine>,
  ledger: Iterable<LedgerMovement>,
): Difference[] {
  const lender = totals(report);
  const ours = totals(ledger);
  const differences: Difference[] = [];
  for (const key of new Set([...lender.keys(), ...ours.keys()])) {
    const [loanId, kind] = key.split("\u0000") as [string, SettlementLine["kind"]];
    const lenderCents = lender.get(key);
    const ledgerCents = ours.get(key);
    if (lenderCents === ledgerCents) continue;
    if (ledgerCents === undefined) {
      differences.push({ loanId, kind, issue: "missing_in_ledger", lenderCents: lenderCents! });
    } else if (lenderCents === undefined) {
      differences.push({ loanId, kind, issue: "missing_at_lender", ledgerCents });
    } else {
      differences.push({ loanId, kind, issue: "amount_mismatch", lenderCents, ledgerCents });
    }
  }
  return differences.sort((a, b) =>
    a.loanId === b.loanId ? a.kind.localeCompare(b.kind) : a.loanId < b.loanId ? -1 : 1,
  );
}

import { Form } from "@remix-run/react";
import { formatMoney } from "~/app/money/dollars";
import { shortTime } from "./applications-view";
import type { LoanMoney } from "./money.server";

/**
 * The application's money in FlowOps: each ledger transaction of its loan with its lines and
 * their sum (zero when balanced), the refunds, and — before any disbursement — the
 * cancellation form (ADR 055).
 */
export function MoneySection(props: {
  money: LoanMoney;
  mayCancel: boolean;
  busy: boolean;
  error: string | null;
}) {
  const { money } = props;
  return (
    <section aria-labelledby="money-heading" className="card">
      <h2 id="money-heading">Money</h2>
      {money.transactions.length === 0 ? (
        <p>No money has moved for this application.</p>
      ) : (
        <>
          <p data-testid="ledger-balanced">
            {money.balanced
              ? "Ledger: balanced (every transaction sums to zero)."
              : "Ledger: NOT balanced — a transaction does not sum to zero."}
          </p>
          <table>
            <caption>Ledger lines of the loan (debit positive, credit negative)</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Kind</th>
                <th scope="col">Account</th>
                <th scope="col">Amount</th>
              </tr>
            </thead>
            <tbody>
              {money.transactions.flatMap((t) =>
                t.lines.map((line, i) => (
                  <tr key={`${t.transactionId}:${i}`} data-kind={t.kind}>
                    <td>{i === 0 ? shortTime(t.at) : ""}</td>
                    <td>{i === 0 ? t.kind : ""}</td>
                    <td>{line.account}</td>
                    <td>{formatMoney(line.amountCents)}</td>
                  </tr>
                )),
              )}
            </tbody>
          </table>
        </>
      )}
      {money.refunds.length > 0 ? (
        <>
          <h3>Refunds</h3>
          <ul data-testid="refunds">
            {money.refunds.map((r) => (
              <li key={r.id}>
                {formatMoney(r.amountCents)} — {r.status} ({shortTime(r.at)}): {r.reason}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {props.mayCancel ? (
        <Form method="post" aria-labelledby="cancel-financing-heading">
          <h3 id="cancel-financing-heading">Cancel before disbursement</h3>
          {props.error ? (
            <p className="error" role="alert" id="cancel-financing-error">
              {props.error}
            </p>
          ) : null}
          <input type="hidden" name="intent" value="cancel_financing" />
          <label htmlFor="cancel-financing-reason">Reason (goes to the audit log)</label>
          <input
            id="cancel-financing-reason"
            name="reason"
            required
            minLength={10}
            maxLength={500}
            aria-describedby={props.error ? "cancel-financing-error" : undefined}
          />
          <button type="submit" disabled={props.busy}>
            Cancel the financing and withdraw the loan
          </button>
        </Form>
      ) : null}
    </section>
  );
}

import { Form } from "@remix-run/react";
import { formatMoney } from "~/app/money/dollars";
import type { ApplicationDetail } from "./applications.server";
import { shortTime } from "./applications-view";
import { FormAlert } from "~/app/ui/fields";

/**
 * The application's loan in FlowOps, and — when its lender declined it (ADR 032) — the
 * lender's reason with the two ways forward: reroute to another configured lender, or cancel.
 */
export function LoanSection(props: {
  loan: ApplicationDetail["loan"];
  rerouteTo: string[] | null;
  busy: boolean;
  error: string | null;
  notice: string | null;
}) {
  const { loan } = props;
  return (
    <section aria-labelledby="loan-heading" className="card">
      <h2 id="loan-heading">Loan</h2>
      {props.notice ? <p role="status">{props.notice}</p> : null}
      {loan ? (
        <dl className="facts">
          <div>
            <dt>Status</dt>
            <dd data-testid="loan-status">{loan.status.replace(/_/g, " ")}</dd>
          </div>
          <div>
            <dt>Lender</dt>
            <dd>
              {loan.lender}
              {loan.lenderLoanId ? ` (${loan.lenderLoanId})` : ""}
              {loan.attempt > 1 ? ` — attempt ${loan.attempt}` : ""}
            </dd>
          </div>
          <div>
            <dt>Principal / amount</dt>
            <dd>
              {formatMoney(loan.principalCents)} / {formatMoney(loan.amountCents)}
            </dd>
          </div>
          <div>
            <dt>Disbursement to merchant</dt>
            <dd>{formatMoney(loan.disbursementCents)}</dd>
          </div>
          <div>
            <dt>Funded</dt>
            <dd>
              {loan.fundedAt
                ? `${formatMoney(loan.fundedAmountCents ?? 0)} on ${shortTime(loan.fundedAt)}`
                : "not yet"}
            </dd>
          </div>
          {loan.upfrontCents > 0 || loan.release ? (
            <div>
              <dt>Released to the merchant</dt>
              <dd data-testid="loan-released">
                {formatMoney(loan.releasedCents)} of {formatMoney(loan.amountCents)}
                {loan.release
                  ? loan.release.pausedAt
                    ? ` — on hold: the borrower reported a problem ${shortTime(loan.release.pausedAt)}`
                    : loan.release.completedAt
                      ? ` — job marked complete ${shortTime(loan.release.completedAt)}, waiting for the borrower's release`
                      : " — waiting for the merchant to mark the job complete"
                  : ""}
              </dd>
            </div>
          ) : null}
          {loan.decline ? (
            <div>
              <dt>Lender declined</dt>
              <dd data-testid="lender-decline">
                {shortTime(loan.decline.at)}: {loan.decline.message} ({loan.decline.code})
              </dd>
            </div>
          ) : null}
        </dl>
      ) : (
        <p>No loan yet.</p>
      )}
      {loan?.status === "lender_declined" && props.rerouteTo ? (
        <div className="lender-decline-actions">
          <h3>What to do with it</h3>
          <FormAlert message={props.error} />
          {props.rerouteTo.length > 0 ? (
            <Form method="post">
              <input type="hidden" name="intent" value="reroute_lender" />
              <label htmlFor="reroute-lender">Send it to another lender</label>
              <select id="reroute-lender" name="lender" required>
                {props.rerouteTo.map((name) => (
                  <option key={name} value={name}>
                    {name}
                  </option>
                ))}
              </select>{" "}
              <button type="submit" disabled={props.busy}>
                Reroute
              </button>
              <p className="muted small">
                The borrower is texted a new link to sign an agreement naming that lender.
              </p>
            </Form>
          ) : (
            <p className="muted">No other lender is configured.</p>
          )}
          <Form method="post">
            <input type="hidden" name="intent" value="cancel_lender_declined" />
            <label htmlFor="cancel-reason">Or cancel it — reason (audited)</label>
            <input id="cancel-reason" name="reason" required minLength={10} maxLength={500} />{" "}
            <button type="submit" disabled={props.busy}>
              Cancel the application
            </button>
          </Form>
        </div>
      ) : null}
    </section>
  );
}

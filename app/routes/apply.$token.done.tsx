import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Link, useActionData, useLoaderData, useRevalidator } from "@remix-run/react";
import { CancelFinancing } from "~/app/borrower/cancel-financing";
import { RefundNote } from "~/app/borrower/refund-note";
import { refundTotals } from "~/app/lending/refunds.server";
import { borrowerCancel, borrowerMayCancel } from "~/app/borrower/cancel.server";
import { useEffect } from "react";
import { loadJourney } from "~/app/borrower/context.server";
import { latestDocument } from "~/app/borrower/documents.server";
import { ConditionsCallout } from "~/app/borrower/conditions-callout";
import { BorrowerShell } from "~/app/borrower/ui";
import { formatMoney } from "~/app/money/dollars";
import { ensureScoreNoticePdf } from "~/app/decisioning/score-notice.server";
import { openConditionCount } from "~/app/lending/conditions.server";
import { applicationLoan } from "~/app/lending/creditor-of.server";
import { autoReleaseAt, releaseStage, type ReleaseStage } from "~/app/lending/release";

export async function loader({ params }: LoaderFunctionArgs) {
  const j = await loadJourney(params.token, "done");
  const [agreement, loan, scoreNotice, openConditions] = await Promise.all([
    latestDocument(j.database, j.application.id, "agreement"),
    applicationLoan(j.database, j.application.id),
    ensureScoreNoticePdf(j.database, j.application.id),
    openConditionCount(j.database.db, j.application.id),
  ]);
  return {
    token: j.token,
    merchant: j.merchant.name,
    status: j.application.status,
    amountCents: j.application.amountCents,
    agreement: agreement
      ? { signedAt: agreement.signedAt?.toISOString() ?? null, sha256: agreement.sha256 }
      : null,
    scoreNotice: scoreNotice ? { sha256: scoreNotice.sha256 } : null,
    fundedAt: loan?.fundedAt?.toISOString() ?? null,
    // Funding on completion (ADR 050): what the borrower is waiting for, and what comes next.
    release: loan
      ? {
          stage: releaseStage(loan),
          upfrontCents: loan.upfrontCents,
          releasedCents: loan.releasedCents,
          autoReleaseAt: loan.completionMarkedAt
            ? autoReleaseAt(loan.completionMarkedAt).toISOString().slice(0, 10)
            : null,
        }
      : null,
    openConditions: funded(j.application.status) ? 0 : openConditions,
    mayCancel: borrowerMayCancel(j.application.status, loan),
    refundedCents: loan ? (await refundTotals(j.database.db, loan.id)).refundedCents : 0,
  };
}

/** "Cancel this financing" (ADR 055): then the link says "you canceled" (410). */
export async function action({ request, params }: ActionFunctionArgs) {
  const j = await loadJourney(params.token, "done");
  return borrowerCancel(request, j);
}

const funded = (status: string) => status === "funded";

/** Signed, and the payment waits for the job (ADR 050): what happens next, step by step. */
function AwaitingCompletion(props: {
  merchant: string;
  release: {
    stage: ReleaseStage;
    upfrontCents: number;
    releasedCents: number;
    autoReleaseAt: string | null;
  };
}) {
  const { merchant, release } = props;
  if (release.stage === "paused") {
    return (
      <p data-status="awaiting_completion">
        You told us there is a problem with the job. The payment to {merchant} is on hold while a
        FlowPay specialist looks at it; we'll contact you within 1 business day.
      </p>
    );
  }
  if (release.stage === "awaiting_release") {
    return (
      <p data-status="awaiting_completion">
        {merchant} says the job is done. Open the link we texted and e-mailed you to release the
        payment, or to tell us about a problem.
        {release.autoReleaseAt
          ? ` Without an answer, the payment releases itself on ${release.autoReleaseAt}.`
          : ""}
      </p>
    );
  }
  return (
    <div data-status="awaiting_completion">
      <p>
        You signed your loan agreement. {merchant} is paid when the job is done
        {release.upfrontCents > 0
          ? ` (${formatMoney(release.upfrontCents)} of it now, as a progress payment)`
          : ""}
        .
      </p>
      <h2>What happens next</h2>
      <ol>
        <li>When {merchant} finishes the job, they tell us.</li>
        <li>
          We text and e-mail you a link: release the payment if the job is done, or tell us about a
          problem and we hold it.
        </li>
        <li>If you don't answer within 7 days, the payment releases itself.</li>
      </ol>
    </div>
  );
}

function LenderDeclined({ merchant }: { merchant: string }) {
  return (
    <div className="card" role="status" data-status="lender_declined">
      <p>
        <strong>The lending partner could not fund your loan.</strong> After you signed, the lender
        that was to make this loan declined it. The loan was not made: you owe nothing on it, and no
        payment will be taken. {merchant} has not been paid through FlowPay.
      </p>
      <h2>What happens next</h2>
      <ol>
        <li>
          Within 1 business day FlowPay checks whether another lending partner can fund it. If one
          can, we text you a link to review and sign a new agreement with that lender.
        </li>
        <li>If none can, we close the application and tell you by text.</li>
      </ol>
      <p className="muted">You don't need to do anything now.</p>
    </div>
  );
}

/**
 * While the loan is being set up, the page checks again every 5 s with JavaScript (a lender's
 * refusal shows at once, ADR 032); without it, "Check again" reloads. (No meta refresh: a
 * page that reloads itself is an accessibility failure.)
 */
function useCheckWhileSettingUp(settingUp: boolean) {
  const revalidator = useRevalidator();
  useEffect(() => {
    if (!settingUp) return;
    const timer = setInterval(() => {
      if (revalidator.state === "idle") revalidator.revalidate();
    }, 5_000);
    return () => clearInterval(timer);
  }, [settingUp, revalidator]);
}

export default function Done() {
  const d = useLoaderData<typeof loader>();
  const cancelError = useActionData<typeof action>()?.error ?? null;
  // After a refund the loan was still funded; the refund note says what changed (ADR 053).
  const funded = ["funded", "partially_refunded", "refunded"].includes(d.status);
  const lenderDeclined = d.status === "lender_declined";
  const settingUp = d.status === "offer_accepted" || d.status === "pending_funding";
  useCheckWhileSettingUp(settingUp);
  return (
    <BorrowerShell
      merchantName={d.merchant}
      title={
        funded
          ? "Your loan is funded"
          : lenderDeclined
            ? "The lender declined your loan"
            : "You're all set"
      }
    >
      {lenderDeclined ? (
        <LenderDeclined merchant={d.merchant} />
      ) : (
        <div className="card" role="status">
          {funded ? (
            <p>
              {formatMoney(d.amountCents)} was paid to {d.merchant}
              {d.fundedAt ? ` on ${d.fundedAt.slice(0, 10)}` : ""}. Your payment schedule is in your
              agreement.
            </p>
          ) : d.release && d.status === "awaiting_completion" ? (
            <AwaitingCompletion merchant={d.merchant} release={d.release} />
          ) : (
            <p>
              You signed your loan agreement. We're setting up your loan with our lending partner —
              we'll text you when {d.merchant} has been paid.{" "}
              {d.openConditions > 0
                ? "First we need the documents below."
                : "You don't need to do anything else."}
            </p>
          )}
          {settingUp ? (
            <p className="muted small">
              <Link to={`/apply/${d.token}/done`} reloadDocument>
                Check again
              </Link>
            </p>
          ) : null}
        </div>
      )}
      {d.refundedCents > 0 ? (
        <RefundNote
          merchant={d.merchant}
          refundedCents={d.refundedCents}
          fully={d.status === "refunded"}
        />
      ) : null}
      {lenderDeclined ? null : <ConditionsCallout token={d.token} open={d.openConditions} />}
      {d.mayCancel ? <CancelFinancing merchantName={d.merchant} error={cancelError} /> : null}
      {d.agreement || d.scoreNotice ? (
        <div className="card">
          <h2>Your documents</h2>
          <ul>
            {d.agreement ? (
              <li>
                <a href={`/apply/${d.token}/agreement.pdf`} download>
                  {lenderDeclined
                    ? "The agreement you signed (not in effect)"
                    : "Your signed agreement"}{" "}
                  (PDF)
                </a>
                <p className="muted small">
                  Signed {d.agreement.signedAt}. Fingerprint (SHA-256):{" "}
                  <code className="hash">{d.agreement.sha256}</code>
                </p>
              </li>
            ) : null}
            {d.scoreNotice ? (
              <li>
                <a href={`/apply/${d.token}/score-notice.pdf`} download>
                  Your credit score disclosure (PDF)
                </a>
              </li>
            ) : null}
          </ul>
        </div>
      ) : null}
    </BorrowerShell>
  );
}

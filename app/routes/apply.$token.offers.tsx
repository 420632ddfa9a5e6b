import type { LoaderFunctionArgs } from "@remix-run/node";
import { Form, useLoaderData } from "@remix-run/react";
import { loadJourney } from "~/app/borrower/context.server";
import { pagePath } from "~/app/borrower/journey";
import { currentOffers } from "~/app/borrower/offers.server";
import { ConditionsCallout } from "~/app/borrower/conditions-callout";
import { CounterOfferCallout } from "~/app/borrower/counter-offer-callout";
import { BorrowerShell } from "~/app/borrower/ui";
import { formatMoney } from "~/app/money/dollars";
import { ensureScoreNoticePdf, loadScoreNotice } from "~/app/decisioning/score-notice.server";
import { openConditionCount } from "~/app/lending/conditions.server";
import { creditorOfApplication } from "~/app/lending/creditor-of.server";
import { openCounterOffer } from "~/app/ops/counter-offer.server";

export async function loader({ params }: LoaderFunctionArgs) {
  const j = await loadJourney(params.token, "offers");
  const [offers, scoreNotice, creditor, openConditions, counter] = await Promise.all([
    currentOffers(j.database, j.application.id),
    loadScoreNotice(j.database, j.application.id),
    creditorOfApplication(j.database, j.application, j.merchant),
    openConditionCount(j.database.db, j.application.id),
    openCounterOffer(j.database, j.application.id),
  ]);
  // Kept with the application the first time it is shown (a no-op afterwards).
  if (scoreNotice) await ensureScoreNoticePdf(j.database, j.application.id);
  return {
    token: j.token,
    merchant: j.merchant.name,
    amountCents: j.application.amountCents,
    offers,
    openConditions,
    counter: counter
      ? { amountCents: counter.amountCents, requestedAmountCents: counter.requestedAmountCents }
      : null,
    creditor: { name: creditor.legalName, address: creditor.address },
    scoreNotice: scoreNotice
      ? { title: scoreNotice.notice.title, sections: scoreNotice.notice.sections }
      : null,
  };
}

/**
 * The offers as a compact comparison (issue 17): monthly payment, term, APR and total of
 * payments, three of them within one phone screen. The full Truth-in-Lending box and the
 * agreement of the chosen offer are on the sign page, before the signature (ADR 067).
 */
export default function Offers() {
  const d = useLoaderData<typeof loader>();
  return (
    <BorrowerShell merchantName={d.merchant} title="You're approved — choose your plan">
      <p>
        For {formatMoney(d.counter?.amountCents ?? d.amountCents)} with {d.merchant}. No prepayment
        penalty on any plan.
      </p>
      <ConditionsCallout token={d.token} open={d.openConditions} />
      <CounterOfferCallout token={d.token} merchant={d.merchant} counter={d.counter} />
      {d.offers.map((offer) => (
        <article
          key={offer.id}
          className="card offer compact"
          aria-labelledby={`${offer.id}-title`}
        >
          <div className="offer-head">
            <h2 id={`${offer.id}-title`}>
              {formatMoney(offer.monthlyPaymentCents)}/month
              {offer.promotional ? <span className="tag">0% promotional</span> : null}
            </h2>
            {/* GET keeps this step safe to repeat: choosing only opens the agreement to sign. */}
            <Form method="get" action={pagePath(d.token, "sign")}>
              <input type="hidden" name="offer" value={offer.id} />
              <button type="submit">Choose {offer.termMonths} months</button>
            </Form>
          </div>
          <dl>
            <div>
              <dt>Term</dt>
              <dd>{offer.termMonths} months</dd>
            </div>
            <div>
              <dt>Annual percentage rate</dt>
              <dd>{offer.apr}%</dd>
            </div>
            <div>
              <dt>Total of payments</dt>
              <dd>{formatMoney(offer.disclosure.totalOfPaymentsCents)}</dd>
            </div>
          </dl>
        </article>
      ))}
      <p className="muted small" data-testid="creditor">
        Creditor: {d.creditor.name}, {d.creditor.address}. You'll see the full Truth-in-Lending
        disclosure of the plan you choose before you sign.
      </p>
      {d.scoreNotice ? (
        <article className="card notice" aria-labelledby="score-notice-title">
          <h2 id="score-notice-title">{d.scoreNotice.title}</h2>
          {d.scoreNotice.sections.map((section) => (
            <section key={section.heading}>
              <h3>{section.heading}</h3>
              {section.lines.map((line, i) => (
                <p key={i}>{line}</p>
              ))}
            </section>
          ))}
          <p>
            <a href={`/apply/${d.token}/score-notice.pdf`} download>
              Download this notice (PDF)
            </a>
          </p>
        </article>
      ) : null}
    </BorrowerShell>
  );
}

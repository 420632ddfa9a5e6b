import type { LoaderFunctionArgs } from "@remix-run/node";
import { Form, useLoaderData } from "@remix-run/react";
import { loadJourney } from "~/app/borrower/context.server";
import { DisclosureBox } from "~/app/borrower/disclosure-box";
import { pagePath } from "~/app/borrower/journey";
import { currentOffers } from "~/app/borrower/offers.server";
import { ConditionsCallout } from "~/app/borrower/conditions-callout";
import { BorrowerShell } from "~/app/borrower/ui";
import { formatMoney } from "~/app/money/dollars";
import { ensureScoreNoticePdf, loadScoreNotice } from "~/app/decisioning/score-notice.server";
import { openConditionCount } from "~/app/lending/conditions.server";
import { creditorOfApplication } from "~/app/lending/creditor-of.server";

export async function loader({ params }: LoaderFunctionArgs) {
  const j = await loadJourney(params.token, "offers");
  const [offers, scoreNotice, creditor, openConditions] = await Promise.all([
    currentOffers(j.database, j.application.id),
    loadScoreNotice(j.database, j.application.id),
    creditorOfApplication(j.database, j.application, j.merchant),
    openConditionCount(j.database.db, j.application.id),
  ]);
  // Kept with the application the first time it is shown (a no-op afterwards).
  if (scoreNotice) await ensureScoreNoticePdf(j.database, j.application.id);
  return {
    token: j.token,
    merchant: j.merchant.name,
    amountCents: j.application.amountCents,
    offers,
    openConditions,
    creditor: { name: creditor.legalName, address: creditor.address },
    scoreNotice: scoreNotice
      ? { title: scoreNotice.notice.title, sections: scoreNotice.notice.sections }
      : null,
  };
}

export default function Offers() {
  const d = useLoaderData<typeof loader>();
  return (
    <BorrowerShell merchantName={d.merchant} title="You're approved — choose your plan">
      <p>
        For {formatMoney(d.amountCents)} with {d.merchant}. No prepayment penalty on any plan.
      </p>
      <ConditionsCallout token={d.token} open={d.openConditions} />
      <p className="muted small" data-testid="creditor">
        Creditor: {d.creditor.name}, {d.creditor.address}
      </p>
      {d.offers.map((offer) => (
        <article key={offer.id} className="card offer" aria-labelledby={`${offer.id}-title`}>
          <h2 id={`${offer.id}-title`}>
            {formatMoney(offer.monthlyPaymentCents)}/month for {offer.termMonths} months
            {offer.promotional ? " · 0% promotional" : ""}
          </h2>
          <DisclosureBox disclosure={offer.disclosure} idPrefix={offer.id} />
          {/* GET keeps this step safe to repeat: choosing only opens the agreement to sign. */}
          <Form method="get" action={pagePath(d.token, "sign")}>
            <input type="hidden" name="offer" value={offer.id} />
            <button type="submit">Choose {offer.termMonths} months</button>
          </Form>
        </article>
      ))}
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

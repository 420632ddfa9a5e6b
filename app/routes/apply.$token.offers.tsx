import type { LoaderFunctionArgs } from "@remix-run/node";
import { Form, useLoaderData } from "@remix-run/react";
import { loadJourney } from "~/borrower/context.server";
import { DisclosureBox } from "~/borrower/disclosure-box";
import { pagePath } from "~/borrower/journey";
import { currentOffers } from "~/borrower/offers.server";
import { BorrowerShell, formatCents } from "~/borrower/ui";

export async function loader({ params }: LoaderFunctionArgs) {
  const j = await loadJourney(params.token, "offers");
  return {
    token: j.token,
    merchant: j.merchant.name,
    amountCents: j.application.amountCents,
    offers: await currentOffers(j.database, j.application.id),
  };
}

export default function Offers() {
  const d = useLoaderData<typeof loader>();
  return (
    <BorrowerShell merchantName={d.merchant} title="You're approved — choose your plan">
      <p>
        For {formatCents(d.amountCents)} with {d.merchant}. No prepayment penalty on any plan.
      </p>
      {d.offers.map((offer) => (
        <article key={offer.id} className="card offer" aria-labelledby={`${offer.id}-title`}>
          <h2 id={`${offer.id}-title`}>
            {formatCents(offer.monthlyPaymentCents)}/month for {offer.termMonths} months
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
    </BorrowerShell>
  );
}

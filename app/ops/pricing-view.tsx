/**
 * The pricing page's parts (issue 20): a problem list and the table of a pricing version.
 */
import { formatMoney } from "~/app/money/dollars";
import type { PricingView } from "./pricing-json";
import { DataTable, Section } from "./page-ui";

export function Problems(props: { id: string; title: string; problems: string[] }) {
  return (
    <Section id={props.id} title={props.title}>
      {props.problems.length === 0 ? (
        <p role="status">No problems: this table can be published.</p>
      ) : (
        <ul>
          {props.problems.map((problem) => (
            <li key={problem} className="error">
              {problem}
            </li>
          ))}
        </ul>
      )}
    </Section>
  );
}

export function PricingTableView({ view, label }: { view: PricingView; label: string }) {
  return (
    <>
      <DataTable
        caption={`${label}: tiers`}
        captionVisible
        columns={[
          "Tier",
          "Minimum score",
          "Amount limits",
          "Origination fee",
          "Terms: note rate → APR",
        ]}
      >
        {view.tiers.map((tier) => (
          <tr key={tier.name}>
            <th scope="row">{tier.name}</th>
            <td>{tier.minScore}</td>
            <td>
              {formatMoney(tier.minAmountCents)} – {formatMoney(tier.maxAmountCents)}
            </td>
            <td>{tier.originationFeeRate} %</td>
            <td>
              <ul className="plain">
                {tier.terms.map((term) => (
                  <li key={term.months}>
                    {term.months} months: {term.noteRate} % →{" "}
                    {term.apr ? `${term.apr} % APR` : "APR n/a"}
                  </li>
                ))}
              </ul>
              <span className="small muted">
                APR with the fee, on {formatMoney(tier.aprAmountCents)}
              </span>
            </td>
          </tr>
        ))}
      </DataTable>
      <dl className="facts">
        <div>
          <dt>Offers shown at most</dt>
          <dd>{view.maxOffers}</dd>
        </div>
        <div>
          <dt>Minimum monthly payment</dt>
          <dd>{formatMoney(view.minMonthlyPaymentCents)}</dd>
        </div>
        <div>
          <dt>Payment at most (share of monthly income)</dt>
          <dd>{view.maxPaymentToIncomePct} %</dd>
        </div>
        <div>
          <dt>APR cap</dt>
          <dd>{view.aprCapPercent} %</dd>
        </div>
        <div>
          <dt>Late charge</dt>
          <dd>
            {formatMoney(view.lateCharge.feeCents)} after {view.lateCharge.graceDays} days
          </dd>
        </div>
      </dl>
      <DataTable
        caption={`${label}: merchant plans`}
        captionVisible
        columns={["Plan", "Promotional offer"]}
        wrapper={false}
      >
        {view.plans.map((plan) => (
          <tr key={plan.name}>
            <th scope="row">{plan.name}</th>
            <td>
              {plan.promotional
                ? `0 % APR for ${plan.promotional.termMonths} months, tiers ${plan.promotional.tiers.join(", ")}, up to ${formatMoney(plan.promotional.maxAmountCents)}; merchant fee +${(plan.promotional.additionalMerchantFeeBps / 100).toFixed(2)} %`
                : "none"}
            </td>
          </tr>
        ))}
      </DataTable>
    </>
  );
}

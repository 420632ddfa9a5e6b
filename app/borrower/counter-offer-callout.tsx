import { formatMoney } from "~/app/money/dollars";

/**
 * On the offers page: the plans are a counter-offer (ADR 077) — less than asked, or other terms.
 * Accepting is choosing a plan and signing as for any offer; declining has its own page.
 */
export function CounterOfferCallout(props: {
  token: string;
  merchant: string;
  counter: { amountCents: number; requestedAmountCents: number } | null;
}) {
  const { counter } = props;
  if (!counter) return null;
  const rest = counter.requestedAmountCents - counter.amountCents;
  return (
    <div className="card" role="status" data-testid="counter-offer-callout">
      <h2>A counter-offer</h2>
      <p>
        {rest > 0
          ? `We can't finance the full ${formatMoney(counter.requestedAmountCents)}, but we can offer ${formatMoney(counter.amountCents)}. You would pay the remaining ${formatMoney(rest)} to ${props.merchant} directly.`
          : `We can finance ${formatMoney(counter.amountCents)} on different terms than the first plans.`}
      </p>
      <p>
        To accept, choose a plan below and sign. Or{" "}
        <a href={`/apply/${props.token}/counter-offer`}>decline the counter-offer</a>.
      </p>
    </div>
  );
}

import type { Disclosure } from "~/app/decisioning/disclosure";
import { formatMoney } from "~/app/money/dollars";
import { federalBoxCells } from "./agreement";

/** The federal Truth-in-Lending box (Reg Z §1026.18) of one offer, with its payment schedule. */
export function DisclosureBox({
  disclosure,
  idPrefix,
}: {
  disclosure: Disclosure;
  idPrefix: string;
}) {
  const cells = federalBoxCells(disclosure, `${disclosure.annualPercentageRate}%`);
  return (
    <section className="til" aria-labelledby={`${idPrefix}-til`}>
      <h3 id={`${idPrefix}-til`}>Truth in Lending disclosure</h3>
      <FederalBox cells={cells} />
      <PaymentScheduleTable
        rows={disclosure.paymentSchedule.map((group) => ({
          count: group.count,
          amount: formatMoney(group.amountCents),
          when: group.when,
        }))}
      />
      <p className="small">
        <strong>Late charge:</strong> {disclosure.lateCharge.text} <strong>Prepayment:</strong>{" "}
        {disclosure.prepayment.text}
      </p>
      <p className="small">
        <strong>Itemization of the amount financed:</strong> paid to the business for your job{" "}
        {formatMoney(disclosure.itemization.amountPaidToMerchantCents)}; paid to you{" "}
        {formatMoney(disclosure.itemization.amountPaidToBorrowerCents)}; prepaid finance charge
        (origination fee, financed into the loan){" "}
        {formatMoney(disclosure.itemization.prepaidFinanceChargeCents)}; loan principal{" "}
        {formatMoney(disclosure.itemization.principalCents)}.
      </p>
    </section>
  );
}

type BoxCell = { label: string; value: string; explanation: string; conspicuous: boolean };

/** The four federal boxes; the offers page and the agreement both render them with this. */
export function FederalBox({ cells }: { cells: BoxCell[] }) {
  return (
    <div className="til-grid">
      {cells.map((cell) => (
        <div key={cell.label} className={cell.conspicuous ? "til-cell conspicuous" : "til-cell"}>
          <div className="til-label">{cell.label}</div>
          <div className="til-explain">{cell.explanation}</div>
          <div className="til-value">{cell.value}</div>
        </div>
      ))}
    </div>
  );
}

/** Number, amount and timing of payments (the odd last payment is its own row). */
export function PaymentScheduleTable({
  rows,
}: {
  rows: { count: number; amount: string; when: string }[];
}) {
  return (
    <table className="schedule">
      <caption>Your payment schedule</caption>
      <thead>
        <tr>
          <th scope="col">Number of payments</th>
          <th scope="col">Amount of payments</th>
          <th scope="col">When payments are due</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.when}>
            <td>{row.count}</td>
            <td>{row.amount}</td>
            <td>{row.when}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

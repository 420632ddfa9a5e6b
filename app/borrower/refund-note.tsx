import { formatMoney } from "~/app/money/dollars";

/** The borrower's page after a refund the lender applied (ADR 053): how much, and what it means. */
export function RefundNote(props: { merchant: string; refundedCents: number; fully: boolean }) {
  return (
    <div
      className="card"
      role="status"
      data-status={props.fully ? "refunded" : "partially_refunded"}
    >
      <h2>{props.fully ? "Your loan was refunded" : "Part of your loan was refunded"}</h2>
      <p>
        {props.merchant} refunded {formatMoney(props.refundedCents)}, and the lender applied it to
        your loan.{" "}
        {props.fully
          ? "Your loan is closed: you owe nothing more on it."
          : "Your balance is lower by that amount; keep paying as agreed until your lender sends the new schedule."}
      </p>
    </div>
  );
}

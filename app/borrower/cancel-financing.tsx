import { Form } from "@remix-run/react";
import { Honeypot } from "./ui";

/**
 * "Cancel this financing" on the borrower's page after signing, while no money has moved
 * (docs/product/merchants-and-money.md: cancellation by the borrower; ADR 055). A plain form:
 * it works without JavaScript. The checkbox makes it a deliberate choice, not a stray tap.
 */
export function CancelFinancing(props: { merchantName: string; error: string | null }) {
  return (
    <details className="card" open={props.error !== null}>
      <summary>Cancel this financing</summary>
      <Form method="post" reloadDocument>
        <input type="hidden" name="intent" value="cancel_financing" />
        <p>
          You can cancel until {props.merchantName} has been paid. The loan will not be made and you
          will owe nothing on it; you will need to pay {props.merchantName} another way.
        </p>
        {props.error ? (
          <p className="error" role="alert" id="cancel-error">
            {props.error}
          </p>
        ) : null}
        <p>
          <label>
            <input type="checkbox" name="confirm" value="yes" required /> I want to cancel this
            financing
          </label>
        </p>
        <Honeypot />
        <button type="submit" className="button secondary">
          Cancel this financing
        </button>
      </Form>
    </details>
  );
}

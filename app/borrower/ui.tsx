import type { ReactNode } from "react";
import { formSteps, type Page } from "./journey";

const stepLabels: Record<(typeof formSteps)[number], string> = {
  details: "Your details",
  consents: "Consents",
  bank: "Bank",
  identity: "Identity",
  review: "Review",
};

/** The frame of every borrower page: who is asking, where in the journey the borrower is. */
export function BorrowerShell(props: {
  merchantName?: string;
  page?: Page;
  title: string;
  children: ReactNode;
}) {
  const index = props.page ? formSteps.indexOf(props.page as (typeof formSteps)[number]) : -1;
  return (
    <main className="page narrow borrower">
      <header className="brand">
        <strong>FlowPay</strong>
        {props.merchantName ? (
          <span className="muted"> · financing for {props.merchantName}</span>
        ) : null}
      </header>
      {index >= 0 ? (
        <ol className="steps" aria-label="Application progress">
          {formSteps.map((step, i) => (
            <li
              key={step}
              aria-current={i === index ? "step" : undefined}
              className={i < index ? "done" : undefined}
            >
              {stepLabels[step]}
            </li>
          ))}
        </ol>
      ) : null}
      <h1>{props.title}</h1>
      {props.children}
    </main>
  );
}

/** A field people never see: bots that fill every input give themselves away. */
export function Honeypot() {
  return (
    <div className="hp" aria-hidden="true">
      <label htmlFor="website">Leave this empty</label>
      <input id="website" name="website" type="text" tabIndex={-1} autoComplete="off" />
    </div>
  );
}

/** The one FieldError (app/ui/fields.tsx), where the borrower's pages have always found it. */
export { FieldError } from "~/app/ui/fields";

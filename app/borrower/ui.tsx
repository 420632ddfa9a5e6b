import type { ReactNode } from "react";
import type { FormStep, Page } from "./journey";

/**
 * The progress the borrower sees (issue 17): three steps. Consents are asked on the details page
 * and identity inline, so their pages (kept for a check that needs its hosted flow, and for an
 * application started before) count as the step they belong to.
 */
const progress = [
  { label: "About you", pages: ["details", "consents"] },
  { label: "Bank", pages: ["bank", "identity"] },
  { label: "Review", pages: ["review"] },
] as const satisfies readonly { label: string; pages: readonly FormStep[] }[];

/** The frame of every borrower page: who is asking, where in the journey the borrower is. */
export function BorrowerShell(props: {
  merchantName?: string;
  page?: Page;
  title: string;
  children: ReactNode;
}) {
  const index = progress.findIndex((step) =>
    (step.pages as readonly string[]).includes(props.page ?? ""),
  );
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
          {progress.map((step, i) => (
            <li
              key={step.label}
              aria-current={i === index ? "step" : undefined}
              className={i < index ? "done" : undefined}
            >
              {step.label}
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

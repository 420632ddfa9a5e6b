import { pagePath } from "./journey";

/** On the offers and done pages: documents a funding condition still needs (ADR 035). */
export function ConditionsCallout({ token, open }: { token: string; open: number }) {
  if (open === 0) return null;
  return (
    <div className="card" role="status" data-testid="conditions-callout">
      <h2>Documents we need</h2>
      <p>
        Before the business can be paid we need {open === 1 ? "a document" : `${open} documents`}{" "}
        from you.
      </p>
      <p>
        <a className="button" href={pagePath(token, "conditions")}>
          See what is needed and upload
        </a>
      </p>
    </div>
  );
}

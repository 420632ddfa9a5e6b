import type { DecisionView } from "./applications-decision";
import { DecisionSection, shortTime } from "./applications-view";

/**
 * The application file's decisions and adverse action notices, as the operator's role allows
 * (ADR 082): with read:credit_evidence every decision in full; without it each decision's outcome
 * only (status, who, when) and each notice's date — the loader never sent the rest.
 */
type Outcome = Pick<DecisionView, "id" | "status" | "decidedAt" | "decidedBy">;
type Notice = {
  id: string;
  decisionId: string;
  reasons: { code: string; text: string }[];
  createdAt: string;
  sentAt: string | null;
};

const outcomeText: Record<Outcome["status"], string> = {
  approved: "Approved",
  declined: "Declined",
  manual_review: "Sent to manual review",
};

export function DecisionsAndNotices({
  evidence,
  decisions,
  outcomes,
  notices,
}: {
  evidence: boolean;
  decisions: DecisionView[];
  outcomes: Outcome[];
  notices: Notice[];
}) {
  return (
    <>
      <section aria-labelledby="decisions-heading">
        <h2 id="decisions-heading">Decisions</h2>
        {outcomes.length === 0 ? <p>Not decided yet.</p> : null}
        {evidence ? (
          decisions.map((decision) => <DecisionSection key={decision.id} decision={decision} />)
        ) : outcomes.length > 0 ? (
          <>
            <ul className="card" data-testid="decision-outcomes">
              {outcomes.map((o) => (
                <li key={o.id}>
                  {outcomeText[o.status]} — {o.decidedBy ?? "decision engine"},{" "}
                  {shortTime(o.decidedAt)}
                </li>
              ))}
            </ul>
            <p className="muted small">
              The credit evidence behind a decision is for underwriters and risk analysts.
            </p>
          </>
        ) : null}
      </section>

      {notices.length > 0 ? (
        <section aria-labelledby="notices-heading" className="card">
          <h2 id="notices-heading">Adverse action notices</h2>
          {notices.map((n) => (
            <div key={n.id}>
              <p>
                Notice {n.id} of {shortTime(n.createdAt)} (decision {n.decisionId}),{" "}
                {n.sentAt ? `sent ${shortTime(n.sentAt)}` : "not sent yet"}
                {evidence ? ":" : "."}
              </p>
              {evidence ? (
                <ol>
                  {n.reasons.map((r) => (
                    <li key={r.code}>{r.text}</li>
                  ))}
                </ol>
              ) : null}
            </div>
          ))}
        </section>
      ) : null}
    </>
  );
}

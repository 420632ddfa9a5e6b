import { formatMoney } from "~/app/money/dollars";
import type { DecisionView } from "./applications-decision";
import { sourceLabels, type TimelineEvent } from "./timeline";
import { DataTable } from "./page-ui";

/** Presentational pieces of the application file, shared with the review screen. */
export const shortTime = (iso: string | null | undefined) =>
  iso ? `${iso.slice(0, 16).replace("T", " ")} UTC` : "—";

const statusText: Record<DecisionView["status"], string> = {
  approved: "Approved",
  declined: "Declined",
  manual_review: "Manual review",
};

export function OffersTable({
  offers,
  caption,
}: {
  offers: DecisionView["offers"];
  caption: string;
}) {
  if (offers.length === 0) return <p>No offers.</p>;
  return (
    <DataTable
      caption={caption}
      captionVisible
      columns={[
        "Term",
        "APR",
        "Note rate",
        "Monthly payment",
        "Amount financed",
        "Finance charge",
        "Total of payments",
        "Tier",
        "Chosen by borrower",
      ]}
      wrapper={{ label: caption }}
    >
      {offers.map((o) => (
        <tr key={o.id}>
          <th scope="row">
            {o.termMonths} months{o.promotional ? " (0 % promotional)" : ""}
          </th>
          <td>{o.apr}%</td>
          <td>{o.noteRate}%</td>
          <td>{formatMoney(o.monthlyPaymentCents)}</td>
          <td>{formatMoney(o.amountFinancedCents)}</td>
          <td>{formatMoney(o.financeChargeCents)}</td>
          <td>{formatMoney(o.totalOfPaymentsCents)}</td>
          <td>{o.tier ?? "—"}</td>
          <td>{o.selected ? "Yes" : "No"}</td>
        </tr>
      ))}
    </DataTable>
  );
}

/** A decision as stored: versions, score and parts, rules, reasons, pricing, offers. */
export function DecisionSection({
  decision,
  headingLevel = 3,
}: {
  decision: DecisionView;
  headingLevel?: 2 | 3;
}) {
  const H = headingLevel === 2 ? "h2" : "h3";
  const Sub = headingLevel === 2 ? "h3" : "h4";
  const headingId = `decision-${decision.id}`;
  return (
    <section className="card decision" aria-labelledby={headingId}>
      <H id={headingId}>
        {statusText[decision.status]} — {decision.decidedBy ?? "decision engine"},{" "}
        {shortTime(decision.decidedAt)}
      </H>
      <dl className="facts">
        <div>
          <dt>Decision id</dt>
          <dd>{decision.id}</dd>
        </div>
        <div>
          <dt>Versions</dt>
          <dd>
            rule set v{decision.versions.ruleSet}, pricing v{decision.versions.pricing}, engine{" "}
            {decision.versions.engine}
          </dd>
        </div>
        <div>
          <dt>Tier</dt>
          <dd>{decision.tier ?? "none"}</dd>
        </div>
        {decision.score ? (
          <div>
            <dt>Score</dt>
            <dd>
              {decision.score.total} (exact {decision.score.unrounded}, scale 0–460)
            </dd>
          </div>
        ) : null}
        {decision.credit ? (
          <div>
            <dt>Credit report</dt>
            <dd>{decision.credit.summary}</dd>
          </div>
        ) : null}
      </dl>

      {decision.underwriter ? (
        <>
          <Sub>Underwriter&apos;s resolution</Sub>
          <p>Based on decision {decision.underwriter.basedOnDecisionId}.</p>
          <p className="notes">Notes: {decision.underwriter.notes}</p>
          {decision.underwriter.conditions.length > 0 ? (
            <>
              <p>Conditions:</p>
              <ul>
                {decision.underwriter.conditions.map((c) => (
                  <li key={c}>{c}</li>
                ))}
              </ul>
            </>
          ) : null}
          {decision.underwriter.repriced ? <p>{decision.underwriter.repriced}</p> : null}
        </>
      ) : null}

      {decision.score ? (
        <DataTable
          caption="Score parts"
          captionVisible
          columns={["Part", "Input", "Points"]}
          wrapper={false}
        >
          {decision.score.parts.map((part) => (
            <tr key={part.label}>
              <th scope="row">{part.label}</th>
              <td>{part.input}</td>
              <td>{part.value}</td>
            </tr>
          ))}
        </DataTable>
      ) : null}

      {decision.reviewReasons.length > 0 ? (
        <>
          <Sub>Why it went to manual review</Sub>
          <ul>
            {decision.reviewReasons.map((r) => (
              <li key={r.code}>
                {r.text} <code>{r.code}</code>
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {decision.declineReasons.length > 0 ? (
        <>
          <Sub>Decline reasons</Sub>
          <ol>
            {decision.declineReasons.map((r) => (
              <li key={r.code}>
                {r.text} <code>{r.code}</code>
              </li>
            ))}
          </ol>
        </>
      ) : null}
      {decision.credit && decision.credit.factors.length > 0 ? (
        <>
          <Sub>Score factors from the bureau</Sub>
          <ol>
            {decision.credit.factors.map((f) => (
              <li key={f}>{f}</li>
            ))}
          </ol>
        </>
      ) : null}

      {decision.rules.length > 0 ? (
        <DataTable
          caption="Rule results"
          captionVisible
          columns={["Rule", "Test", "Actual", "Result", "Action", "Reason code"]}
          wrapper={{ label: "Rule results" }}
        >
          {decision.rules.map((rule) => (
            <tr key={rule.key} className={rule.fired ? "fired" : undefined}>
              <th scope="row">{rule.key}</th>
              <td>
                <code>{rule.test}</code>
              </td>
              <td>
                <code>{rule.actual}</code>
              </td>
              <td>{rule.fired ? "Fired" : "Did not fire"}</td>
              <td>{rule.action.replace(/_/g, " ")}</td>
              <td>{rule.reason ?? "—"}</td>
            </tr>
          ))}
        </DataTable>
      ) : null}

      {decision.considered.length > 0 ? (
        <>
          <Sub>Terms considered by pricing</Sub>
          <ul>
            {decision.considered.map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
        </>
      ) : null}

      <OffersTable offers={decision.offers} caption="Offers of this decision" />
    </section>
  );
}

export function Timeline({ events }: { events: TimelineEvent[] }) {
  if (events.length === 0) return <p>Nothing recorded yet.</p>;
  return (
    <ol className="timeline">
      {events.map((event, i) => (
        <li key={`${event.at}-${i}`} className={event.tone === "error" ? "error-event" : undefined}>
          <time dateTime={event.at}>{shortTime(event.at)}</time>{" "}
          <span className="badge">{sourceLabels[event.source]}</span> {event.title}
          {event.tone === "error" ? <span className="visually-hidden"> (failure)</span> : null}
          {event.detail ? <div className="muted small">{event.detail}</div> : null}
        </li>
      ))}
    </ol>
  );
}

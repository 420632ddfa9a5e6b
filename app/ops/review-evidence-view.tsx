import { Form, Link } from "@remix-run/react";
import { formatMoney } from "~/app/money/dollars";
import { statusLabels } from "./applications";
import { shortTime } from "./applications-view";
import { DataTable, Section } from "./page-ui";
import type { LoadedEvidence } from "./review-evidence.server";
import type {
  BankEvidence,
  BureauEvidence,
  Fact,
  IdentityEvidence,
  IncomeEvidence,
  RepullView,
  RuleEvidence,
} from "./review-evidence";
import type { PreviousApplication, UploadedDocument } from "./review-evidence.server";

/**
 * The review workspace's evidence blocks (ADR 074), one screen: each a plain section with a
 * heading (the e2e spec and a screen reader find them by it). Warning values are marked in words
 * ("check"), not by colour alone.
 */

function Facts(props: { facts: Fact[]; label: string }) {
  return (
    <dl className="facts" aria-label={props.label}>
      {props.facts.map((f) => (
        <div key={f.label} className={f.flag ? "flagged" : undefined}>
          <dt>{f.label}</dt>
          <dd>
            {f.value}
            {f.flag ? <span className="badge warn"> check</span> : null}
          </dd>
        </div>
      ))}
    </dl>
  );
}

export function BureauBlock(props: { id: string; title: string; bureau: BureauEvidence }) {
  const b = props.bureau;
  return (
    <Section id={props.id} title={props.title}>
      <p>{b.unavailable ?? b.headline}</p>
      {b.unavailable ? null : (
        <>
          <Facts facts={b.facts} label={`${props.title}: summary`} />
          {b.factors.length > 0 ? (
            <>
              <h3>Score factors</h3>
              <ol>
                {b.factors.map((f) => (
                  <li key={f}>{f}</li>
                ))}
              </ol>
            </>
          ) : null}
          {b.tradelines.length === 0 ? (
            <p>No tradelines on file.</p>
          ) : (
            <DataTable
              caption={`${props.title}: tradelines`}
              columns={[
                "Kind",
                "Open",
                "Balance",
                "Limit",
                "Payment",
                "Past due",
                "Late",
                "Opened",
              ]}
              wrapper={{ label: `${props.title}: tradelines` }}
            >
              {b.tradelines.map((t, i) => (
                <tr key={i}>
                  <td>
                    {t.kind} ({t.accountType})
                  </td>
                  <td>{t.open ? "open" : "closed"}</td>
                  <td>{t.balance}</td>
                  <td>{t.limit}</td>
                  <td>{t.monthlyPayment}</td>
                  <td>{t.pastDue}</td>
                  <td>{t.delinquencies}</td>
                  <td>{t.openedOn}</td>
                </tr>
              ))}
            </DataTable>
          )}
        </>
      )}
    </Section>
  );
}

export function BankBlock(props: { bank: BankEvidence }) {
  return (
    <Section id="bank-evidence" title="Bank data">
      <p>{props.bank.headline}</p>
      {props.bank.linked ? <Facts facts={props.bank.facts} label="Bank summary" /> : null}
    </Section>
  );
}

export function IncomeBlock(props: { income: IncomeEvidence }) {
  return (
    <Section id="income-evidence" title="Income and debt-to-income">
      <Facts facts={props.income.facts} label="Stated and verified income" />
      <p>
        <strong>Stated vs verified:</strong> {props.income.verificationText}
      </p>
    </Section>
  );
}

export function IdentityBlock(props: { identity: IdentityEvidence }) {
  return (
    <Section id="identity-evidence" title="Identity">
      <p>
        <strong>Result:</strong> {props.identity.result}
      </p>
      <ul aria-label="Identity checks">
        {props.identity.checks.map((c) => (
          <li key={c.label}>
            {c.passed === null ? "–" : c.passed ? "✓" : "✗"} {c.label}: {c.detail}
            {c.passed === false ? <span className="badge warn"> check</span> : null}
          </li>
        ))}
      </ul>
    </Section>
  );
}

export function RulesBlock(props: { rules: RuleEvidence[] }) {
  const fired = props.rules.filter((r) => r.fired).length;
  return (
    <Section id="rules-evidence" title="Rules">
      <p>
        {fired === 0 ? "No rule fired." : `${fired} ${fired === 1 ? "rule" : "rules"} fired`}, of{" "}
        {props.rules.length}.
      </p>
      <DataTable
        caption="Rules and their inputs"
        columns={["Rule", "Result", "Test", "Input", "Reason"]}
        wrapper={{ label: "Rules and their inputs" }}
      >
        {props.rules.map((r) => (
          <tr key={r.key} className={r.fired ? "flagged" : undefined}>
            <th scope="row">{r.key}</th>
            <td>{r.fired ? <strong>fired: {r.action.replace(/_/g, " ")}</strong> : "passed"}</td>
            <td>
              <code>{r.test}</code>
            </td>
            <td>
              <code>{r.input}</code>
            </td>
            <td>{r.reason ?? "—"}</td>
          </tr>
        ))}
      </DataTable>
    </Section>
  );
}

export function DocumentsBlock(props: { reviewId: string; documents: UploadedDocument[] }) {
  return (
    <Section id="documents-evidence" title="Documents">
      {props.documents.length === 0 ? (
        <p>The borrower has uploaded no documents.</p>
      ) : (
        <ul>
          {props.documents.map((d) => (
            <li key={d.id}>
              <a href={`/ops/reviews/${props.reviewId}/documents/${d.id}`} download>
                {d.fileName}
              </a>{" "}
              ({d.contentType}, {d.size}) — {d.condition}, {d.conditionStatus}, uploaded{" "}
              {shortTime(d.uploadedAt)}
            </li>
          ))}
        </ul>
      )}
    </Section>
  );
}

export function PreviousBlock(props: { previous: PreviousApplication[] }) {
  return (
    <Section id="previous-evidence" title="Previous applications">
      {props.previous.length === 0 ? (
        <p>No other application of this person (matched on phone and e-mail).</p>
      ) : (
        <DataTable
          caption="Other applications of the same person"
          columns={["Date", "Merchant", "Amount", "Status", "Matched on"]}
          wrapper={{ label: "Other applications of the same person" }}
        >
          {props.previous.map((p) => (
            <tr key={p.id}>
              <td>
                <Link to={`/ops/applications/${p.id}`}>{shortTime(p.createdAt)}</Link>
              </td>
              <td>{p.merchantName}</td>
              <td>{formatMoney(p.amountCents)}</td>
              <td>{statusLabels[p.status as keyof typeof statusLabels] ?? p.status}</td>
              <td>
                {p.matchedOn} ({p.contact})
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </Section>
  );
}

/** The soft re-pull (ADR 074): its button, and the newest re-pull's report beside the original. */
export function RepullBlock(props: {
  repull: RepullView | null;
  canRepull: boolean;
  busy: boolean;
  error: string | null;
}) {
  const r = props.repull;
  return (
    <section aria-labelledby="repull-heading" className="card">
      <h2 id="repull-heading">Credit re-pull (soft)</h2>
      {r ? (
        <>
          <p>
            Re-pulled {shortTime(r.pulledAt)}
            {r.requestedByName ? ` by ${r.requestedByName}` : ""}. Debt-to-income with this report:{" "}
            {r.debtToIncome}.
          </p>
          <p>
            {r.changes.length === 0
              ? "No change from the reviewed decision's report in score, tradelines, DTI or inquiries."
              : `Changed: ${r.changes.join("; ")}.`}
          </p>
        </>
      ) : (
        <p>No re-pull yet: the evidence above is the report the decision used.</p>
      )}
      {props.error ? <p className="error">{props.error}</p> : null}
      {props.canRepull ? (
        <Form method="post">
          <p className="muted small">
            A soft inquiry: it does not affect the borrower&apos;s credit score. The decision under
            review is unchanged; the new report is shown here for your resolution.
          </p>
          <button
            type="submit"
            name="intent"
            value="repull"
            className="secondary"
            disabled={props.busy}
          >
            Re-pull credit (soft)
          </button>
        </Form>
      ) : null}
      {r ? (
        <BureauBlock id="repull-bureau" title="Re-pulled credit report" bureau={r.bureau} />
      ) : null}
    </section>
  );
}

/** Every evidence block in reading order; bureau and bank only for credit-evidence roles. */
export function EvidenceBlocks(props: {
  reviewId: string;
  evidence: LoadedEvidence["evidence"];
  creditEvidence: boolean;
  documents: UploadedDocument[];
  previous: PreviousApplication[];
}) {
  const ev = props.evidence;
  return (
    <div className="evidence">
      {!ev ? <p>The decision under review stored no engine evidence.</p> : null}
      {ev?.bureau ? (
        <BureauBlock id="bureau-evidence" title="Credit bureau" bureau={ev.bureau} />
      ) : null}
      {ev?.bank ? <BankBlock bank={ev.bank} /> : null}
      {ev && !props.creditEvidence ? (
        <p className="muted">
          Bureau, bank, income and rule evidence are shown to underwriters and analysts only.
        </p>
      ) : null}
      {ev?.income ? <IncomeBlock income={ev.income} /> : null}
      {ev ? <IdentityBlock identity={ev.identity} /> : null}
      {ev?.rules ? <RulesBlock rules={ev.rules} /> : null}
      <DocumentsBlock reviewId={props.reviewId} documents={props.documents} />
      <PreviousBlock previous={props.previous} />
    </div>
  );
}

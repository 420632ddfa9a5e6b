import { Form, Link } from "@remix-run/react";
import { formatMoney } from "~/app/money/dollars";
import { FieldError, FormAlert } from "~/app/ui/fields";
import { Section } from "./page-ui";
import { IntentButton } from "~/app/ui/intent-button";
import { minJustificationLength } from "~/app/decisioning/reason-evidence";
import { conditionKindLabels, maxConditions } from "~/app/lending/conditions";
import type { Candidate } from "./reviews.server";
import { statusLabels } from "./applications";
import { shortTime } from "./applications-view";
import { maxDeclineReasons, notesMinLength } from "./reviews";

/**
 * The review screen's resolution forms (approve with offers and funding conditions, decline with
 * evidence-guarded reasons, a decline waiting for a second operator). Plain forms: they work
 * without JavaScript.
 */
type Errors = Record<string, string>;

export function ApproveSection(props: {
  reviewId: string;
  busy: boolean;
  errors: Errors;
  source: "engine" | "repriced" | "none";
  candidates: Candidate[];
  pricingInput: { tier: string | null; downPaymentCents: number };
  pricingVersion: number | null;
  tiers: { name: string; minScore: number }[];
  priceError: string | null;
}) {
  const { errors, source } = props;
  const dp = props.pricingInput.downPaymentCents;
  const dollars = dp > 0 ? (dp / 100).toFixed(2) : "";
  return (
    <Section id="approve-heading" title="Approve">
      <Form method="get" className="pricing-form" aria-labelledby="pricing-heading">
        <h3 id="pricing-heading">Price the offers again (optional)</h3>
        <p className="muted small">
          For another tier, or a down payment: the offers then finance the amount less the down
          payment{props.pricingVersion !== null ? ` (pricing v${props.pricingVersion})` : ""}.
        </p>
        <div className="filter-row">
          <div>
            <label htmlFor="tier">Pricing tier</label>
            <select id="tier" name="tier" defaultValue={props.pricingInput.tier ?? ""}>
              <option value="">Choose a tier</option>
              {props.tiers.map((t) => (
                <option key={t.name} value={t.name}>
                  Tier {t.name} (score from {t.minScore})
                </option>
              ))}
            </select>
          </div>
          <div>
            <label htmlFor="downPayment">Down payment required ($)</label>
            <input id="downPayment" name="downPayment" inputMode="decimal" defaultValue={dollars} />
          </div>
        </div>
        <button type="submit" className="secondary">
          Price offers
        </button>{" "}
        {source === "repriced" ? (
          <Link to={`/ops/reviews/${props.reviewId}`}>Back to the engine&apos;s offers</Link>
        ) : null}
      </Form>
      <FormAlert message={props.priceError} />

      {props.candidates.length === 0 ? (
        <p>
          {source === "none"
            ? "The decision under review has no offers (for example, the credit bureau was unavailable). Choose a pricing tier above to price the application."
            : "No offers at these terms."}
        </p>
      ) : (
        <Form method="post" aria-labelledby="approve-heading">
          <input type="hidden" name="intent" value="approve" />
          {source === "repriced" ? (
            <>
              <input type="hidden" name="tier" value={props.pricingInput.tier ?? ""} />
              <input type="hidden" name="downPayment" value={dollars} />
            </>
          ) : null}
          <fieldset aria-describedby={errors.offer ? "offer-error" : undefined}>
            <legend>
              Offers to extend{" "}
              {source === "repriced"
                ? `(priced again${dp > 0 ? `, with a ${formatMoney(dp)} down payment` : ""})`
                : "(the decision engine's)"}
            </legend>
            <FieldError id="offer-error" errors={errors.offer} />
            {props.candidates.map((c) => (
              <label key={c.key} className="choice">
                <input type="checkbox" name="offer" value={c.key} defaultChecked />
                <span>
                  {c.termMonths} months{c.promotional ? " at 0 % (promotional)" : ""}:{" "}
                  {formatMoney(c.monthlyPaymentCents)}/month, APR {c.apr}%, amount financed{" "}
                  {formatMoney(c.amountFinancedCents)}, total {formatMoney(c.totalOfPaymentsCents)}
                  {c.tier ? ` (tier ${c.tier})` : ""}
                </span>
              </label>
            ))}
          </fieldset>
          <fieldset aria-describedby={errors.conditionNote ? "condition-error" : "condition-help"}>
            <legend>Funding conditions (optional)</legend>
            <p id="condition-help" className="muted small">
              The borrower can sign, but the loan is not paid out until you clear each document they
              upload (at most {maxConditions}).
            </p>
            <FieldError id="condition-error" errors={errors.conditionNote} />
            {(["proof_of_income", "identity_document", "proof_of_address"] as const).map((kind) => (
              <label key={kind} className="choice">
                <input type="checkbox" name="condition" value={kind} />
                <span>{conditionKindLabels[kind].ops}</span>
              </label>
            ))}
            <label htmlFor="conditionNote">Other document to require (describe it)</label>
            <input id="conditionNote" name="conditionNote" maxLength={500} />
          </fieldset>
          <FileNotes form="approve" error={errors.notes} />
          <button type="submit" disabled={props.busy}>
            Approve
          </button>
        </Form>
      )}
    </Section>
  );
}

/**
 * The reviewer's notes for the file, required on both the approval and the decline (each form
 * posts its own `notes`; `form` keeps the two fields' ids apart on one page).
 */
function FileNotes(props: { form: "approve" | "decline"; error: string | undefined }) {
  const errorId = `${props.form}-notes-error`;
  return (
    <>
      <label htmlFor={`${props.form}-notes`}>Notes for the file</label>
      <textarea
        id={`${props.form}-notes`}
        name="notes"
        required
        minLength={notesMinLength}
        rows={3}
        aria-describedby={props.error ? errorId : undefined}
      />
      <FieldError id={errorId} errors={props.error} />
    </>
  );
}

export type ReasonOption = { code: string; consumer: string };
export type SupportedOption = ReasonOption & { evidence: string[] };

export function DeclineSection(props: {
  busy: boolean;
  errors: Errors;
  supported: SupportedOption[];
  others: ReasonOption[];
}) {
  const { errors } = props;
  const reasonGroups = [
    { label: "Supported by the evidence", reasons: props.supported },
    { label: "Other reasons (justification and a second operator)", reasons: props.others },
  ];
  return (
    <Section id="decline-heading" title="Decline">
      <p className="muted small">
        The borrower gets an adverse action notice with these principal reasons, most important
        first (at most {maxDeclineReasons}), and the credit score disclosure.
      </p>
      <h3 id="evidence-heading">Reasons the evidence supports</h3>
      {props.supported.length === 0 ? (
        <p>None: the decision&apos;s evidence supports no decline reason.</p>
      ) : (
        <ul aria-labelledby="evidence-heading">
          {props.supported.map((r) => (
            <li key={r.code}>
              <strong>{r.consumer}</strong> — {r.evidence.join("; ")}
            </li>
          ))}
        </ul>
      )}
      <Form method="post" aria-labelledby="decline-heading">
        <input type="hidden" name="intent" value="decline" />
        <FieldError id="reason-error" errors={errors.reason1} />
        {[1, 2, 3, 4].map((n) => (
          <div key={n}>
            <label htmlFor={`reason${n}`}>
              Principal reason {n}
              {n === 1 ? " (most important)" : " (optional)"}
            </label>
            <select
              id={`reason${n}`}
              name={`reason${n}`}
              required={n === 1}
              defaultValue=""
              aria-describedby={n === 1 && errors.reason1 ? "reason-error" : undefined}
            >
              <option value="">{n === 1 ? "Choose a reason" : "None"}</option>
              {reasonGroups.map((group) => (
                <optgroup key={group.label} label={group.label}>
                  {group.reasons.map((r) => (
                    <option key={r.code} value={r.code}>
                      {r.consumer}
                    </option>
                  ))}
                </optgroup>
              ))}
            </select>
          </div>
        ))}
        <label htmlFor="justification">
          Justification for a reason the evidence does not support
        </label>
        <textarea
          id="justification"
          name="justification"
          rows={3}
          minLength={minJustificationLength}
          aria-describedby={errors.justification ? "justification-error" : "justification-help"}
        />
        <p id="justification-help" className="muted small">
          Only for other reasons: the decline then waits until another operator approves it.
        </p>
        <FieldError id="justification-error" errors={errors.justification} />
        <FileNotes form="decline" error={errors.notes} />
        <button type="submit" className="danger" disabled={props.busy}>
          Decline
        </button>
      </Form>
    </Section>
  );
}

export type ProposalView = {
  id: string;
  authorName: string | null;
  mine: boolean;
  reasons: { code: string; text: string; supported: boolean }[];
  justification: string;
  notes: string;
  createdAt: string;
};

export function ProposalSection(props: {
  proposal: ProposalView;
  canApprove: boolean;
  busy: boolean;
  errors: Errors;
}) {
  const p = props.proposal;
  return (
    <Section id="proposal-heading" title="Decline waiting for a second operator">
      <p>
        {p.mine ? "You" : (p.authorName ?? "An underwriter")} proposed to decline with reasons the
        decision&apos;s evidence does not all support ({p.createdAt.slice(0, 16)} UTC).
      </p>
      <ol>
        {p.reasons.map((r) => (
          <li key={r.code}>
            {r.text}
            {r.supported ? "" : " — not supported by the evidence"}
          </li>
        ))}
      </ol>
      <p>
        <strong>Justification:</strong> {p.justification}
      </p>
      <p>
        <strong>Notes:</strong> {p.notes}
      </p>
      {p.mine ? (
        <Form method="post">
          <input type="hidden" name="proposalId" value={p.id} />
          <IntentButton intent="withdraw-proposal" className="secondary" disabled={props.busy}>
            Withdraw this decline
          </IntentButton>
        </Form>
      ) : props.canApprove ? (
        <>
          <Form method="post">
            <input type="hidden" name="proposalId" value={p.id} />
            <IntentButton intent="approve-proposal" className="danger" disabled={props.busy}>
              Approve this decline
            </IntentButton>
          </Form>
          <Form method="post" aria-labelledby="refuse-heading">
            <h3 id="refuse-heading">Refuse it</h3>
            <input type="hidden" name="intent" value="reject-proposal" />
            <input type="hidden" name="proposalId" value={p.id} />
            <label htmlFor="proposal-note">Why (the author reads it)</label>
            <textarea id="proposal-note" name="note" rows={2} required minLength={5} />
            <FieldError id="proposal-note-error" errors={props.errors.note} />
            <button type="submit" className="secondary" disabled={props.busy}>
              Refuse this decline
            </button>
          </Form>
        </>
      ) : null}
    </Section>
  );
}

export type ReviewSummaryView = {
  id: string;
  status: string;
  priority: number;
  reason: string;
  assignedTo: string | null;
  assigneeName: string | null;
  resolution: string | null;
  resolverName: string | null;
  resolvedAt: string | null;
  notes: string | null;
  createdAt: string;
};

/** The review's own facts: who has it, why, for how much, since when, and "Assign to me". */
export function ReviewSummarySection(props: {
  review: ReviewSummaryView;
  application: { status: keyof typeof statusLabels; amountCents: number; merchantName: string };
  reasons: { code: string; text: string }[];
  mine: boolean;
  open: boolean;
  canAssign: boolean;
  canResolve: boolean;
  busy: boolean;
}) {
  const { review, application, mine, open } = props;
  return (
    <Section id="review-heading" title="The review">
      <dl className="facts">
        <div>
          <dt>Status</dt>
          <dd>
            {review.status === "resolved"
              ? `Resolved: ${review.resolution} by ${review.resolverName ?? "an underwriter"}, ${shortTime(review.resolvedAt)}`
              : review.status === "assigned"
                ? `Assigned to ${mine ? "you" : (review.assigneeName ?? "someone")}`
                : review.status === "waiting"
                  ? "Waiting for the borrower (information requested)"
                  : "Waiting for an underwriter"}
          </dd>
        </div>
        <div>
          <dt>Priority</dt>
          <dd>{review.priority === 1 ? "High" : "Normal"}</dd>
        </div>
        <div>
          <dt>Main reason</dt>
          <dd>{review.reason}</dd>
        </div>
        <div>
          <dt>Application</dt>
          <dd>
            {formatMoney(application.amountCents)} with {application.merchantName} —{" "}
            {statusLabels[application.status]}
          </dd>
        </div>
        <div>
          <dt>In the queue since</dt>
          <dd>{shortTime(review.createdAt)}</dd>
        </div>
        {review.notes ? (
          <div>
            <dt>Underwriter&apos;s notes</dt>
            <dd>{review.notes}</dd>
          </div>
        ) : null}
      </dl>
      {props.reasons.length > 1 ? (
        <>
          <h3>All reasons for review</h3>
          <ul>
            {props.reasons.map((r) => (
              <li key={r.code}>{r.text}</li>
            ))}
          </ul>
        </>
      ) : null}
      {open && props.canAssign && !mine ? (
        <Form method="post">
          <IntentButton intent="assign" disabled={props.busy}>
            Assign to me
          </IntentButton>
        </Form>
      ) : null}
      {open && !mine && props.canResolve ? (
        <p className="muted">Assign the review to yourself to resolve it.</p>
      ) : null}
      {review.status !== "resolved" && application.status !== "manual_review" ? (
        <p className="error">
          The application is {statusLabels[application.status].toLowerCase()}; it can no longer be
          resolved here.
        </p>
      ) : null}
    </Section>
  );
}

/**
 * The workspace's actions area (`#review-actions`): links to each action's form on this page.
 * Request information and counter-offer are routes of their own
 * (`/ops/reviews/{id}/request-info`, `/ops/reviews/{id}/counter-offer`): their links go in
 * this list.
 */
export function ReviewActions(props: {
  creditEvidence: boolean;
  reviewId?: string;
  /** Information requests to the borrower (ADR 076): the link says where they stand. */
  infoRequests?: { open: boolean; answered: number };
}) {
  const info = props.infoRequests;
  return (
    <nav aria-labelledby="review-actions" className="review-actions">
      <h2 id="review-actions">Actions</h2>
      <ul>
        <li>
          <a href="#approve-heading">Approve</a>
        </li>
        <li>
          <a href="#decline-heading">Decline</a>
        </li>
        {props.reviewId ? (
          <>
            <li>
              <a href={`/ops/reviews/${props.reviewId}/counter-offer`}>Counter-offer</a>
            </li>
            <li>
              <a href={`/ops/reviews/${props.reviewId}/request-info`}>
                Request information
                {info?.open
                  ? " (waiting for the borrower)"
                  : info?.answered
                    ? ` (${info.answered} answered)`
                    : ""}
              </a>
            </li>
          </>
        ) : null}
        {props.creditEvidence ? (
          <li>
            <a href="#repull-heading">Re-pull credit (soft)</a>
          </li>
        ) : null}
      </ul>
    </nav>
  );
}

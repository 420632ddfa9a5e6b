import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { clientInfo } from "~/audit/audit.server";
import { getDatabase } from "~/db.server";
import { formatMoney } from "~/money/dollars";
import { statusLabels } from "~/ops/applications";
import { DecisionSection, shortTime } from "~/ops/applications-view";
import { requireAction, requirePermission } from "~/ops/guard.server";
import { OpsShell } from "~/ops/layout";
import { can, type Permission } from "~/ops/permissions";
import {
  declineReasonOptions,
  maxDeclineReasons,
  notesMinLength,
  parseApproveForm,
  parseDeclineForm,
  reasonText,
  ReviewInputError,
} from "~/ops/reviews";
import {
  approveReview,
  assignReview,
  declineReview,
  loadReviewPage,
  ReviewNotFoundError,
  ReviewStateError,
} from "~/ops/reviews.server";

export const meta: MetaFunction = () => [{ title: "Manual review — FlowOps" }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { operator } = await requirePermission(request, "read:review");
  const page = await loadReviewPage(
    await getDatabase(),
    params.reviewId ?? "",
    new URL(request.url).searchParams,
  );
  if (!page) throw new Response("Not Found", { status: 404 });
  const { review, application, customer, merchant } = page.loaded;
  return {
    operator: { id: operator.id, name: operator.name, email: operator.email, role: operator.role },
    canAssign: can(operator.role, "assign:review"),
    canResolve: can(operator.role, "resolve:review"),
    review: {
      id: review.id,
      status: review.status,
      priority: review.priority,
      reason: reasonText(review.reason),
      assignedTo: review.assignedTo,
      assigneeName: page.loaded.assigneeName,
      resolution: review.resolution,
      resolverName: page.loaded.resolverName,
      resolvedAt: review.resolvedAt?.toISOString() ?? null,
      notes: review.notes,
      createdAt: review.createdAt.toISOString(),
    },
    application: {
      id: application.id,
      status: application.status,
      amountCents: application.amountCents,
      customerName: `${customer.firstName} ${customer.lastName}`,
      merchantName: merchant.name,
    },
    reviewReasons: page.decision?.reviewReasons ?? [],
    decision: page.decision,
    candidates: page.candidates,
    source: page.source,
    pricingInput: page.pricingInput,
    pricingVersion: page.pricingVersion,
    tiers: page.tiers,
    priceError: page.priceError,
    declineReasons: declineReasonOptions,
  };
}

const intents: Record<string, Permission> = {
  assign: "assign:review",
  approve: "resolve:review",
  decline: "resolve:review",
};

type ActionResult = { intent: string; errors: Record<string, string>; formError: string | null };

export async function action({ request, params }: ActionFunctionArgs) {
  const form = await request.formData();
  const intent = String(form.get("intent") ?? "");
  const { operator } = await requireAction(request, intents[intent] ?? "resolve:review");
  const reviewId = params.reviewId ?? "";
  const database = await getDatabase();
  const client = clientInfo(request);
  // Validation and state problems come back to the form (the page shows them).
  const fail = (result: Omit<ActionResult, "intent">): ActionResult => ({
    intent,
    ...result,
  });
  try {
    if (intent === "assign") {
      await assignReview(database, { reviewId, operatorId: operator.id, client });
    } else if (intent === "approve") {
      const parsed = parseApproveForm(form);
      if (!parsed.ok) return fail({ errors: parsed.errors, formError: null });
      await approveReview(database, {
        reviewId,
        operatorId: operator.id,
        form: parsed.value,
        client,
      });
    } else if (intent === "decline") {
      const parsed = parseDeclineForm(form);
      if (!parsed.ok) return fail({ errors: parsed.errors, formError: null });
      // The notice's delivery (PDF, e-mail) is a job committed with the decline (ADR 016).
      await declineReview(database, {
        reviewId,
        operatorId: operator.id,
        form: parsed.value,
        client,
      });
    } else {
      return fail({ errors: {}, formError: "Unknown action" });
    }
  } catch (error) {
    if (error instanceof ReviewNotFoundError) throw new Response("Not Found", { status: 404 });
    if (error instanceof ReviewStateError) return fail({ errors: {}, formError: error.message });
    if (error instanceof ReviewInputError) return fail({ errors: {}, formError: error.message });
    throw error;
  }
  return redirect(`/ops/reviews/${reviewId}`);
}

function FieldError({ id, message }: { id: string; message: string | undefined }) {
  return message ? (
    <p id={id} className="error">
      {message}
    </p>
  ) : null;
}

export default function ReviewPage() {
  const d = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === "submitting";
  const { review, application } = d;
  const mine = review.assignedTo === d.operator.id;
  const open = review.status !== "resolved" && application.status === "manual_review";
  const errors = (intent: string) => (result?.intent === intent ? result.errors : {});
  const approveErrors = errors("approve");
  const declineErrors = errors("decline");
  const dp = d.pricingInput.downPaymentCents;

  return (
    <OpsShell operator={d.operator} title={`Manual review: ${application.customerName}`}>
      <p>
        <Link to="/ops/reviews">Review queue</Link> ·{" "}
        <Link to={`/ops/applications/${application.id}`}>Application file</Link>
      </p>
      {result?.formError ? (
        <p className="error" role="alert">
          {result.formError}
        </p>
      ) : null}

      <section aria-labelledby="review-heading" className="card">
        <h2 id="review-heading">The review</h2>
        <dl className="facts">
          <div>
            <dt>Status</dt>
            <dd>
              {review.status === "resolved"
                ? `Resolved: ${review.resolution} by ${review.resolverName ?? "an underwriter"}, ${shortTime(review.resolvedAt)}`
                : review.status === "assigned"
                  ? `Assigned to ${mine ? "you" : (review.assigneeName ?? "someone")}`
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
        {d.reviewReasons.length > 1 ? (
          <>
            <h3>All reasons for review</h3>
            <ul>
              {d.reviewReasons.map((r) => (
                <li key={r.code}>{r.text}</li>
              ))}
            </ul>
          </>
        ) : null}
        {open && d.canAssign && !mine ? (
          <Form method="post">
            <input type="hidden" name="intent" value="assign" />
            <button type="submit" disabled={busy}>
              Assign to me
            </button>
          </Form>
        ) : null}
        {open && !mine && d.canResolve ? (
          <p className="muted">Assign the review to yourself to resolve it.</p>
        ) : null}
        {review.status !== "resolved" && application.status !== "manual_review" ? (
          <p className="error">
            The application is {statusLabels[application.status].toLowerCase()}; it can no longer be
            resolved here.
          </p>
        ) : null}
      </section>

      {open && mine && d.canResolve ? (
        <>
          <section aria-labelledby="approve-heading" className="card">
            <h2 id="approve-heading">Approve</h2>
            <Form method="get" className="pricing-form" aria-labelledby="pricing-heading">
              <h3 id="pricing-heading">Price the offers again (optional)</h3>
              <p className="muted small">
                For another tier, or a down payment: the offers then finance the amount less the
                down payment
                {d.pricingVersion !== null ? ` (pricing v${d.pricingVersion})` : ""}.
              </p>
              <div className="filter-row">
                <div>
                  <label htmlFor="tier">Pricing tier</label>
                  <select id="tier" name="tier" defaultValue={d.pricingInput.tier ?? ""}>
                    <option value="">Choose a tier</option>
                    {d.tiers.map((t) => (
                      <option key={t.name} value={t.name}>
                        Tier {t.name} (score from {t.minScore})
                      </option>
                    ))}
                  </select>
                </div>
                <div>
                  <label htmlFor="downPayment">Down payment required ($)</label>
                  <input
                    id="downPayment"
                    name="downPayment"
                    inputMode="decimal"
                    defaultValue={dp > 0 ? (dp / 100).toFixed(2) : ""}
                  />
                </div>
              </div>
              <button type="submit" className="secondary">
                Price offers
              </button>{" "}
              {d.source === "repriced" ? (
                <Link to={`/ops/reviews/${review.id}`}>Back to the engine&apos;s offers</Link>
              ) : null}
            </Form>
            {d.priceError ? (
              <p className="error" role="alert">
                {d.priceError}
              </p>
            ) : null}

            {d.candidates.length === 0 ? (
              <p>
                {d.source === "none"
                  ? "The decision under review has no offers (for example, the credit bureau was unavailable). Choose a pricing tier above to price the application."
                  : "No offers at these terms."}
              </p>
            ) : (
              <Form method="post" aria-labelledby="approve-heading">
                <input type="hidden" name="intent" value="approve" />
                {d.source === "repriced" ? (
                  <>
                    <input type="hidden" name="tier" value={d.pricingInput.tier ?? ""} />
                    <input
                      type="hidden"
                      name="downPayment"
                      value={dp > 0 ? (dp / 100).toFixed(2) : ""}
                    />
                  </>
                ) : null}
                <fieldset aria-describedby={approveErrors.offer ? "offer-error" : undefined}>
                  <legend>
                    Offers to extend{" "}
                    {d.source === "repriced"
                      ? `(priced again${dp > 0 ? `, with a ${formatMoney(dp)} down payment` : ""})`
                      : "(the decision engine's)"}
                  </legend>
                  <FieldError id="offer-error" message={approveErrors.offer} />
                  {d.candidates.map((c) => (
                    <label key={c.key} className="choice">
                      <input type="checkbox" name="offer" value={c.key} defaultChecked />
                      <span>
                        {c.termMonths} months{c.promotional ? " at 0 % (promotional)" : ""}:{" "}
                        {formatMoney(c.monthlyPaymentCents)}/month, APR {c.apr}%, amount financed{" "}
                        {formatMoney(c.amountFinancedCents)}, total{" "}
                        {formatMoney(c.totalOfPaymentsCents)}
                        {c.tier ? ` (tier ${c.tier})` : ""}
                      </span>
                    </label>
                  ))}
                </fieldset>
                <label htmlFor="conditionNote">Other condition (optional)</label>
                <input id="conditionNote" name="conditionNote" maxLength={500} />
                <label htmlFor="approve-notes">Notes for the file</label>
                <textarea
                  id="approve-notes"
                  name="notes"
                  required
                  minLength={notesMinLength}
                  rows={3}
                  aria-describedby={approveErrors.notes ? "approve-notes-error" : undefined}
                />
                <FieldError id="approve-notes-error" message={approveErrors.notes} />
                <button type="submit" disabled={busy}>
                  Approve
                </button>
              </Form>
            )}
          </section>

          <section aria-labelledby="decline-heading" className="card">
            <h2 id="decline-heading">Decline</h2>
            <p className="muted small">
              The borrower gets an adverse action notice with these principal reasons, most
              important first (at most {maxDeclineReasons}), and the credit score disclosure.
            </p>
            <Form method="post" aria-labelledby="decline-heading">
              <input type="hidden" name="intent" value="decline" />
              <FieldError id="reason-error" message={declineErrors.reason1} />
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
                    aria-describedby={n === 1 && declineErrors.reason1 ? "reason-error" : undefined}
                  >
                    <option value="">{n === 1 ? "Choose a reason" : "None"}</option>
                    {d.declineReasons.map((r) => (
                      <option key={r.code} value={r.code}>
                        {r.consumer}
                      </option>
                    ))}
                  </select>
                </div>
              ))}
              <label htmlFor="decline-notes">Notes for the file</label>
              <textarea
                id="decline-notes"
                name="notes"
                required
                minLength={notesMinLength}
                rows={3}
                aria-describedby={declineErrors.notes ? "decline-notes-error" : undefined}
              />
              <FieldError id="decline-notes-error" message={declineErrors.notes} />
              <button type="submit" className="danger" disabled={busy}>
                Decline
              </button>
            </Form>
          </section>
        </>
      ) : null}

      {d.decision ? (
        <section aria-labelledby="decision-under-review">
          <h2 id="decision-under-review">The decision under review</h2>
          <DecisionSection decision={d.decision} />
        </section>
      ) : null}
    </OpsShell>
  );
}

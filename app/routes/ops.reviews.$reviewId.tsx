import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { clientInfo } from "~/app/audit/audit.server";
import { getDatabase } from "~/app/db.server";
import { isReleaseDispute } from "~/app/lending/release.server";
import { formatMoney } from "~/app/money/dollars";
import { statusLabels } from "~/app/ops/applications";
import { DecisionSection, shortTime } from "~/app/ops/applications-view";
import { requireAction, requirePermission } from "~/app/ops/guard.server";
import { OpsShell } from "~/app/ops/layout";
import { can, type Permission } from "~/app/ops/permissions";
import {
  parseApproveForm,
  parseDeclineForm,
  reasonText,
  ReviewInputError,
} from "~/app/ops/reviews";
import {
  approveDeclineProposal,
  approveReview,
  assignReview,
  declineReview,
  loadResolutionExtras,
  loadReviewPage,
  ReviewNotFoundError,
  ReviewStateError,
  settleDeclineProposal,
} from "~/app/ops/reviews.server";
import { ApproveSection, DeclineSection, ProposalSection } from "~/app/ops/reviews-view";
import { FormAlert } from "~/app/ui/fields";

export const meta: MetaFunction = () => [{ title: "Manual review — FlowOps" }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { operator } = await requirePermission(request, "read:review");
  const database = await getDatabase();
  // A borrower's "there is a problem" is a review of its own kind, with its own page (ADR 050).
  if (await isReleaseDispute(database, params.reviewId ?? "")) {
    throw redirect(`/ops/reviews/${params.reviewId}/dispute`);
  }
  const page = await loadReviewPage(
    database,
    params.reviewId ?? "",
    new URL(request.url).searchParams,
  );
  if (!page) throw new Response("Not Found", { status: 404 });
  const extras = await loadResolutionExtras(database, page.loaded, operator.id);
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
    ...extras,
  };
}

const intents: Record<string, Permission> = {
  assign: "assign:review",
  approve: "resolve:review",
  decline: "resolve:review",
  // The second operator of a decline with unsupported reasons (ADR 036).
  "approve-proposal": "resolve:review",
  "reject-proposal": "resolve:review",
  "withdraw-proposal": "resolve:review",
};

type ActionResult = { intent: string; errors: Record<string, string>; formError: string | null };

export async function action({ request, params }: ActionFunctionArgs) {
  const form = await request.formData();
  const intent = String(form.get("intent") ?? "");
  const { operator } = await requireAction(request, intents[intent] ?? "resolve:review");
  const reviewId = params.reviewId ?? "";
  const database = await getDatabase();
  const client = clientInfo(request);
  // Validation (422) and state (409) problems come back to the form (the page shows them).
  const fail = (result: Omit<ActionResult, "intent">, status: 409 | 422 = 422) =>
    data<ActionResult>({ intent, ...result }, { status });
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
    } else if (intent.endsWith("-proposal")) {
      const proposalId = String(form.get("proposalId") ?? "");
      const args = { proposalId, operatorId: operator.id, client };
      if (intent === "approve-proposal") await approveDeclineProposal(database, args);
      else {
        const action = intent === "reject-proposal" ? "reject" : "withdraw";
        const note = String(form.get("note") ?? "").trim() || null;
        await settleDeclineProposal(database, { ...args, action, note });
      }
    } else {
      return fail({ errors: {}, formError: "Unknown action" });
    }
  } catch (error) {
    if (error instanceof ReviewNotFoundError) throw new Response("Not Found", { status: 404 });
    if (error instanceof ReviewStateError) {
      return fail({ errors: {}, formError: error.message }, 409);
    }
    if (error instanceof ReviewInputError) return fail({ errors: {}, formError: error.message });
    throw error;
  }
  return redirect(`/ops/reviews/${reviewId}`);
}

export default function ReviewPage() {
  const d = useLoaderData<typeof loader>();
  const result = useActionData<ActionResult>();
  const busy = useNavigation().state === "submitting";
  const { review, application } = d;
  const mine = review.assignedTo === d.operator.id;
  const open = review.status !== "resolved" && application.status === "manual_review";
  const errors = (intent: string) => (result?.intent === intent ? result.errors : {});

  return (
    <OpsShell operator={d.operator} title={`Manual review: ${application.customerName}`}>
      <p>
        <Link to="/ops/reviews">Review queue</Link> ·{" "}
        <Link to={`/ops/applications/${application.id}`}>Application file</Link>
        {d.conditions.total > 0 ? (
          <>
            {" "}
            ·{" "}
            <Link to={`/ops/reviews/${review.id}/conditions`}>
              Funding conditions ({d.conditions.open} open of {d.conditions.total})
            </Link>
          </>
        ) : null}
      </p>
      <FormAlert message={result?.formError} />

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

      {open && d.proposal ? (
        <ProposalSection
          proposal={d.proposal}
          canApprove={d.canResolve}
          busy={busy}
          errors={errors("reject-proposal")}
        />
      ) : null}

      {open && mine && d.canResolve && !d.proposal ? (
        <>
          <ApproveSection
            reviewId={review.id}
            busy={busy}
            errors={errors("approve")}
            source={d.source}
            candidates={d.candidates}
            pricingInput={d.pricingInput}
            pricingVersion={d.pricingVersion}
            tiers={d.tiers}
            priceError={d.priceError}
          />
          <DeclineSection
            busy={busy}
            errors={errors("decline")}
            supported={d.supportedReasons}
            others={d.otherReasons}
          />
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

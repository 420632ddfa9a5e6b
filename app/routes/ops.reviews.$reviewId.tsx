import { parseWithZod } from "@conform-to/zod/v4";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { clientInfo } from "~/app/audit/audit.server";
import { getDatabase } from "~/app/db.server";
import { repullCredit, RepullError } from "~/app/decisioning/repull.server";
import { isReleaseDispute } from "~/app/lending/release.server";
import { DecisionSection } from "~/app/ops/applications-view";
import { requireAction, requirePermission } from "~/app/ops/guard.server";
import { infoRequestSummary } from "~/app/ops/info-requests.server";
import { OpsShell } from "~/app/ops/layout";
import { can, type Permission } from "~/app/ops/permissions";
import { loadReviewEvidence } from "~/app/ops/review-evidence.server";
import { EvidenceBlocks, RepullBlock } from "~/app/ops/review-evidence-view";
import { reasonText, ReviewInputError } from "~/app/ops/reviews";
import { fieldErrors, reviewIntentSchema } from "~/app/ops/reviews-forms.server";
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
import {
  ApproveSection,
  DeclineSection,
  ProposalSection,
  ReviewActions,
  ReviewSummarySection,
} from "~/app/ops/reviews-view";
import { FormAlert } from "~/app/ui/fields";

export const meta: MetaFunction = () => [{ title: "Manual review — FlowOps" }];

/**
 * The review workspace (issue 18, ADR 074): the evidence on one screen — bureau, bank, income and
 * DTI, identity, rules, documents, previous applications — and the actions: approve (with
 * conditions), decline (evidence-guarded), re-pull credit (soft). Bureau and bank data, and the
 * re-pull, only for roles with read:credit_evidence (never sent to others).
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const { operator } = await requirePermission(request, "read:review");
  // The page's reads run in a reader thread, off the thread that serves requests (ADR 083).
  const database = (await getDatabase()).reader;
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
  const creditEvidence = can(operator.role, "read:credit_evidence");
  const [extras, evidence] = await Promise.all([
    loadResolutionExtras(database, page.loaded, operator.id),
    loadReviewEvidence(database, page.loaded, { creditEvidence }),
  ]);
  const { review, application, customer, merchant } = page.loaded;
  return {
    operator: { id: operator.id, name: operator.name, email: operator.email, role: operator.role },
    canAssign: can(operator.role, "assign:review"),
    canResolve: can(operator.role, "resolve:review"),
    creditEvidence,
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
    // The decision's score, rules and reasons are credit evidence too.
    decision: creditEvidence ? page.decision : null,
    candidates: page.candidates,
    source: page.source,
    pricingInput: page.pricingInput,
    pricingVersion: page.pricingVersion,
    tiers: page.tiers,
    priceError: page.priceError,
    ...extras,
    ...evidence,
    infoRequests: await infoRequestSummary(database, review.id),
  };
}

const intents: Record<string, Permission> = {
  assign: "assign:review",
  approve: "resolve:review",
  decline: "resolve:review",
  repull: "resolve:review",
  // The second operator of a decline with unsupported reasons (ADR 036).
  "approve-proposal": "resolve:review",
  "reject-proposal": "resolve:review",
  "withdraw-proposal": "resolve:review",
};

type ActionResult = { intent: string; errors: Record<string, string>; formError: string | null };

export async function action({ request, params }: ActionFunctionArgs) {
  const submission = parseWithZod(await request.formData(), { schema: reviewIntentSchema });
  const intent = String(submission.payload.intent ?? "");
  const { operator } = await requireAction(request, intents[intent] ?? "resolve:review");
  const reviewId = params.reviewId ?? "";
  const database = await getDatabase();
  const client = clientInfo(request);
  // Validation (422) and state (409) problems come back to the form (the page shows them).
  const fail = (result: Omit<ActionResult, "intent">, status: 409 | 422 = 422) =>
    data<ActionResult>({ intent, ...result }, { status });
  if (submission.status !== "success") {
    const errors = fieldErrors(submission.error);
    return fail({ errors, formError: errors.intent ?? errors.proposalId ?? null });
  }
  const value = submission.value;
  try {
    if (value.intent === "assign") {
      await assignReview(database, { reviewId, operatorId: operator.id, client });
    } else if (value.intent === "repull") {
      if (!can(operator.role, "read:credit_evidence"))
        throw new Response("Forbidden", { status: 403 });
      // A soft inquiry through the bureau adapter; evidence only, audited (ADR 074).
      await repullCredit(database, { manualReviewId: reviewId, operatorId: operator.id, client });
    } else if (value.intent === "approve") {
      await approveReview(database, {
        reviewId,
        operatorId: operator.id,
        form: value.form,
        client,
      });
    } else if (value.intent === "decline") {
      // The notice's delivery (PDF, e-mail) is a job committed with the decline (ADR 016).
      await declineReview(database, {
        reviewId,
        operatorId: operator.id,
        form: value.form,
        client,
      });
    } else {
      const args = { proposalId: value.proposalId, operatorId: operator.id, client };
      if (value.intent === "approve-proposal") await approveDeclineProposal(database, args);
      else {
        const action = value.intent === "reject-proposal" ? "reject" : "withdraw";
        const note = value.intent === "reject-proposal" ? value.note : null;
        await settleDeclineProposal(database, { ...args, action, note });
      }
    }
  } catch (error) {
    if (error instanceof ReviewNotFoundError) throw new Response("Not Found", { status: 404 });
    if (error instanceof ReviewStateError || error instanceof RepullError) {
      return fail({ errors: {}, formError: error.message }, 409);
    }
    if (error instanceof ReviewInputError) return fail({ errors: {}, formError: error.message });
    throw error;
  }
  return redirect(`/ops/reviews/${reviewId}${value.intent === "repull" ? "#repull-heading" : ""}`);
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
      <FormAlert message={result?.intent !== "repull" ? result?.formError : null} />

      <ReviewSummarySection
        review={review}
        application={application}
        reasons={d.reviewReasons}
        mine={mine}
        open={open}
        canAssign={d.canAssign}
        canResolve={d.canResolve}
        busy={busy}
      />

      <EvidenceBlocks
        reviewId={review.id}
        evidence={d.evidence}
        creditEvidence={d.creditEvidence}
        documents={d.documents}
        previous={d.previous}
      />

      {d.creditEvidence ? (
        <RepullBlock
          repull={d.repull}
          canRepull={open && d.canResolve}
          busy={busy}
          error={result?.intent === "repull" ? result.formError : null}
        />
      ) : null}

      <ReviewActions
        creditEvidence={d.creditEvidence}
        reviewId={review.id}
        infoRequests={d.infoRequests}
      />

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

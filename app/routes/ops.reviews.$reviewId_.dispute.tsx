import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { parseWithZod } from "@conform-to/zod/v4";
import { clientInfo } from "~/app/audit/audit.server";
import { getDatabase } from "~/app/db.server";
import { loadDispute, releaseAfterReview, ReleaseStateError } from "~/app/lending/release.server";
import { formatMoney } from "~/app/money/dollars";
import { shortTime } from "~/app/ops/applications-view";
import { requireAction, requirePermission } from "~/app/ops/guard.server";
import { OpsShell } from "~/app/ops/layout";
import { can } from "~/app/ops/permissions";
import { disputeReleaseSchema, fieldErrors } from "~/app/ops/reviews-forms.server";
import { IntentButton } from "~/app/ui/intent-button";

/**
 * FlowOps: a borrower reported a problem instead of releasing the payment (ADR 050). The payment
 * waits; after talking to both sides, an operator releases it with a note (audited). Canceling
 * the financing instead goes through the application's cancellation.
 */
export const meta: MetaFunction = () => [{ title: "Payment on hold — FlowOps" }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { operator } = await requirePermission(request, "read:review");
  const dispute = await loadDispute(await getDatabase(), params.reviewId ?? "");
  if (!dispute) throw new Response("Not Found", { status: 404 });
  const { review, loan } = dispute;
  return {
    operator: { id: operator.id, name: operator.name, email: operator.email, role: operator.role },
    canResolve: can(operator.role, "resolve:review"),
    review: {
      id: review.id,
      status: review.status,
      notes: review.notes,
      createdAt: review.createdAt.toISOString(),
      resolvedAt: review.resolvedAt?.toISOString() ?? null,
    },
    applicationId: review.applicationId,
    customerName: dispute.customerName,
    merchantName: dispute.merchantName,
    stage: dispute.stage,
    amountCents: loan.amountCents,
    releasedCents: loan.releasedCents,
    completedAt: loan.completionMarkedAt?.toISOString() ?? null,
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { operator } = await requireAction(request, "resolve:review");
  const submission = parseWithZod(await request.formData(), { schema: disputeReleaseSchema });
  if (submission.status !== "success") return { error: fieldErrors(submission.error).note ?? "" };
  const { note } = submission.value;
  try {
    await releaseAfterReview(await getDatabase(), {
      reviewId: params.reviewId ?? "",
      operatorId: operator.id,
      note,
      client: clientInfo(request),
    });
  } catch (error) {
    if (error instanceof ReleaseStateError) {
      if (error.code === "not_found") throw new Response("Not Found", { status: 404 });
      return { error: error.message };
    }
    throw error;
  }
  return redirect(`/ops/reviews/${params.reviewId}/dispute`);
}

export default function DisputePage() {
  const d = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === "submitting";
  const open = d.review.status !== "resolved" && d.stage === "paused";
  return (
    <OpsShell
      operator={d.operator}
      title={`Payment on hold: ${d.customerName}`}
      error={result?.error}
    >
      <p>
        <Link to={`/ops/applications/${d.applicationId}`}>Application</Link> · {d.merchantName} ·{" "}
        {formatMoney(d.amountCents)} ({formatMoney(d.releasedCents)} paid so far)
      </p>
      <section className="card">
        <h2>What the borrower reported</h2>
        <p data-testid="problem">{d.review.notes}</p>
        <p className="muted small">
          Reported {shortTime(d.review.createdAt)}
          {d.completedAt ? `; the merchant marked the job done ${shortTime(d.completedAt)}` : ""}.
        </p>
      </section>
      {open ? (
        d.canResolve ? (
          <Form method="post" className="card">
            <h2>Release the payment</h2>
            <p>Once the problem is sorted out with the borrower and the merchant.</p>
            <label htmlFor="note">Note (kept in the audit log)</label>
            <textarea id="note" name="note" rows={3} minLength={5} maxLength={1000} required />
            <IntentButton intent="release" disabled={busy}>
              Release payment
            </IntentButton>
          </Form>
        ) : (
          <p className="muted">Your role can read this review but not resolve it.</p>
        )
      ) : (
        <p role="status">
          {d.stage === "released"
            ? `Released${d.review.resolvedAt ? ` ${shortTime(d.review.resolvedAt)}` : ""}.`
            : `The loan is no longer waiting for a release (${d.stage}).`}
        </p>
      )}
    </OpsShell>
  );
}

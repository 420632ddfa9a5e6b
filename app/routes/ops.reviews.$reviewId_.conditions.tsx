import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { parseWithZod } from "@conform-to/zod/v4";
import { clientInfo } from "~/app/audit/audit.server";
import { getDatabase } from "~/app/db.server";
import { conditionStatusLabels } from "~/app/lending/conditions";
import {
  ConditionStateError,
  conditionsHoldFunding,
  listConditions,
  reviewCondition,
} from "~/app/lending/conditions.server";
import { shortTime } from "~/app/ops/applications-view";
import { requireAction, requirePermission } from "~/app/ops/guard.server";
import { OpsShell } from "~/app/ops/layout";
import { can } from "~/app/ops/permissions";
import { conditionReviewSchema, fieldErrors } from "~/app/ops/reviews-forms.server";
import { reviewApplication } from "~/app/ops/reviews.server";
import { IntentButton } from "~/app/ui/intent-button";

/**
 * FlowOps: an application's funding conditions (ADR 035). Each document the borrower uploaded can
 * be opened (audited) and the condition cleared or rejected with a note (audited; a rejection's
 * note is shown to the borrower, who is asked again). Clearing the last one releases funding.
 */
export const meta: MetaFunction = () => [{ title: "Funding conditions — FlowOps" }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { operator } = await requirePermission(request, "read:review");
  const database = await getDatabase();
  const app = await reviewApplication(database, params.reviewId ?? "");
  if (!app) throw new Response("Not Found", { status: 404 });
  const [conditions, held] = await Promise.all([
    listConditions(database.db, app.applicationId),
    conditionsHoldFunding(database.db, app.applicationId),
  ]);
  return {
    operator: { id: operator.id, name: operator.name, email: operator.email, role: operator.role },
    canReview: can(operator.role, "resolve:review"),
    app: {
      reviewId: app.reviewId,
      status: app.status,
      customerName: `${app.firstName} ${app.lastName}`,
      merchantName: app.merchantName,
    },
    held,
    conditions: conditions.map((c) => ({
      ...c,
      submittedAt: c.submittedAt?.toISOString() ?? null,
      reviewedAt: c.reviewedAt?.toISOString() ?? null,
      uploads: c.uploads.map((u) => ({ ...u, createdAt: u.createdAt.toISOString() })),
    })),
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { operator } = await requireAction(request, "resolve:review");
  const submission = parseWithZod(await request.formData(), { schema: conditionReviewSchema });
  const database = await getDatabase();
  const app = await reviewApplication(database, params.reviewId ?? "");
  if (!app) throw new Response("Not Found", { status: 404 });
  if (submission.status !== "success") {
    const errors = fieldErrors(submission.error);
    if (errors.conditionId || errors.intent) throw new Response("Not Found", { status: 404 });
    return { conditionId: String(submission.payload.conditionId ?? ""), error: errors.note ?? "" };
  }
  const { conditionId, intent: decision, note } = submission.value;
  const owned = (await listConditions(database.db, app.applicationId)).some(
    (c) => c.id === conditionId,
  );
  if (!owned) throw new Response("Not Found", { status: 404 });
  try {
    await reviewCondition(database, {
      conditionId,
      decision,
      note,
      operatorId: operator.id,
      client: clientInfo(request),
    });
  } catch (error) {
    if (error instanceof ConditionStateError) return { conditionId, error: error.message };
    throw error;
  }
  return redirect(`/ops/reviews/${app.reviewId}/conditions`);
}

export default function ConditionsPage() {
  const d = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === "submitting";
  return (
    <OpsShell operator={d.operator} title={`Funding conditions: ${d.app.customerName}`}>
      <p>
        <Link to={`/ops/reviews/${d.app.reviewId}`}>Back to the review</Link>
      </p>
      <p role="status" className="card">
        {d.conditions.length === 0
          ? "This application has no funding conditions."
          : d.held
            ? "Funding is on hold until every condition is cleared."
            : "Every condition is cleared: funding is released."}
      </p>
      {d.conditions.map((c) => (
        <section key={c.id} className="card" aria-labelledby={`cond-${c.id}`}>
          <h2 id={`cond-${c.id}`}>{c.description}</h2>
          <p>
            Status: <strong>{conditionStatusLabels[c.status]}</strong>
            {c.reviewedAt ? ` (${shortTime(c.reviewedAt)}: ${c.reviewNote ?? ""})` : ""}
          </p>
          {c.uploads.length === 0 ? (
            <p className="muted">Nothing uploaded yet.</p>
          ) : (
            <ul>
              {c.uploads.map((u) => (
                <li key={u.id}>
                  <a href={`/ops/reviews/${d.app.reviewId}/documents/${u.id}`}>Open {u.fileName}</a>{" "}
                  ({u.contentType}, {Math.ceil(u.sizeBytes / 1024)} KB, {shortTime(u.createdAt)})
                </li>
              ))}
            </ul>
          )}
          {result?.conditionId === c.id && result.error ? (
            <p className="error" role="alert">
              {result.error}
            </p>
          ) : null}
          {d.canReview && c.status !== "cleared" ? (
            <Form method="post" aria-label={`Review: ${c.description}`}>
              <input type="hidden" name="conditionId" value={c.id} />
              <label htmlFor={`note-${c.id}`}>
                Note (a rejection&apos;s note is shown to the borrower)
              </label>
              <textarea id={`note-${c.id}`} name="note" rows={2} required minLength={5} />
              <IntentButton intent="clear" disabled={busy}>
                Clear condition
              </IntentButton>{" "}
              {c.status === "submitted" ? (
                <IntentButton intent="reject" className="danger" disabled={busy}>
                  Reject document
                </IntentButton>
              ) : null}
            </Form>
          ) : null}
        </section>
      ))}
    </OpsShell>
  );
}

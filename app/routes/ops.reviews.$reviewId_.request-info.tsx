import type { SubmissionResult } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod/v4";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { clientInfo } from "~/app/audit/audit.server";
import { getDatabase } from "~/app/db.server";
import { shortTime } from "~/app/ops/applications-view";
import { postedIntent, withdrawInfoRequestSchema } from "~/app/ops/form-schemas.server";
import { requireAction, requirePermission } from "~/app/ops/guard.server";
import {
  documentKindLabel,
  infoDocumentKinds,
  infoRequestStatusText,
  messageLimits,
  questionLimits,
} from "~/app/ops/info-requests";
import {
  infoRequestSchema,
  listInfoRequests,
  requestInformation,
  reviewAwaitsDecision,
  withdrawInfoRequest,
} from "~/app/ops/info-requests.server";
import { OpsShell } from "~/app/ops/layout";
import { can } from "~/app/ops/permissions";
import { reviewApplication, ReviewNotFoundError, ReviewStateError } from "~/app/ops/reviews.server";
import { FieldError, FormAlert, FormNotice } from "~/app/ui/fields";
import { IntentButton } from "~/app/ui/intent-button";

/**
 * FlowOps: ask the borrower of a review for a document and/or an answer (issue 18, ADR 076). The
 * borrower gets a text and an e-mail with a single-purpose link; the review waits outside the
 * queue until the answer (shown here) or the timeout. Earlier requests and their answers below.
 */
export const meta: MetaFunction = () => [{ title: "Request information — FlowOps" }];

export const headers = () => ({ "Cache-Control": "no-store" });

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { operator } = await requirePermission(request, "read:review");
  const database = await getDatabase();
  const reviewId = params.reviewId ?? "";
  const [app, state] = await Promise.all([
    reviewApplication(database, reviewId),
    reviewAwaitsDecision(database, reviewId),
  ]);
  if (!app || !state) throw new Response("Not Found", { status: 404 });
  const sent = new URL(request.url).searchParams.get("done");
  return {
    operator: { id: operator.id, name: operator.name, email: operator.email, role: operator.role },
    canRequest: can(operator.role, "resolve:review"),
    mine: state.assignedTo === operator.id,
    reviewStatus: state.status,
    appStatus: state.appStatus,
    reviewId,
    customerName: `${app.firstName} ${app.lastName}`,
    merchantName: app.merchantName,
    notice:
      sent === "sent"
        ? "Sent. The review waits for the borrower and is back in the queue with the answer."
        : sent === "withdrawn"
          ? "The request is withdrawn; the review is back in the queue."
          : null,
    requests: await listInfoRequests(database, reviewId),
    kinds: infoDocumentKinds.map((kind) => ({ kind, label: documentKindLabel(kind, "ops") })),
  };
}

type ActionResult = { result: SubmissionResult<string[]>; formError: string | null };

export async function action({ request, params }: ActionFunctionArgs) {
  const { operator } = await requireAction(request, "resolve:review");
  const reviewId = params.reviewId ?? "";
  const form = await request.formData();
  const database = await getDatabase();
  const client = clientInfo(request);
  const submission = parseWithZod(form, { schema: infoRequestSchema });
  try {
    if (postedIntent(form) === "withdraw") {
      const withdraw = parseWithZod(form, { schema: withdrawInfoRequestSchema });
      const requestId = withdraw.status === "success" ? withdraw.value.requestId : "";
      await withdrawInfoRequest(database, { reviewId, requestId, operatorId: operator.id, client });
      return redirect(`/ops/reviews/${reviewId}/request-info?done=withdrawn`);
    }
    if (submission.status !== "success") {
      return data<ActionResult>({ result: submission.reply(), formError: null }, { status: 422 });
    }
    await requestInformation(database, {
      reviewId,
      operatorId: operator.id,
      form: submission.value,
      client,
    });
  } catch (error) {
    if (error instanceof ReviewNotFoundError) throw new Response("Not Found", { status: 404 });
    if (error instanceof ReviewStateError) {
      return data<ActionResult>(
        { result: submission.reply(), formError: error.message },
        { status: 409 },
      );
    }
    throw error;
  }
  return redirect(`/ops/reviews/${reviewId}/request-info?done=sent`);
}

export default function RequestInfo() {
  const d = useLoaderData<typeof loader>();
  const actionData = useActionData<ActionResult>();
  const busy = useNavigation().state === "submitting";
  const errors = (actionData?.result?.error ?? {}) as Record<string, string[] | null>;
  const typed = (actionData?.result?.initialValue ?? {}) as Record<string, string | undefined>;
  const waiting = d.reviewStatus === "waiting";
  const canAsk =
    d.canRequest &&
    d.mine &&
    !waiting &&
    d.reviewStatus !== "resolved" &&
    d.appStatus === "manual_review";
  const fieldProps = (name: string) => ({
    id: name,
    name,
    "aria-invalid": errors[name] ? true : undefined,
    "aria-describedby": errors[name] ? `${name}-error` : undefined,
  });
  return (
    <OpsShell
      operator={d.operator}
      title={`Request information: ${d.customerName}`}
      notice={d.notice}
    >
      <p>
        <Link to={`/ops/reviews/${d.reviewId}`}>Back to the review</Link> · {d.merchantName}
      </p>
      <FormAlert message={actionData?.formError} />
      {waiting ? (
        <p className="card" role="status" data-testid="waiting-for-borrower">
          Waiting for the borrower: the review is out of the active queue until they answer or the
          request times out.
        </p>
      ) : null}
      {canAsk ? (
        <section className="card" aria-labelledby="ask-heading">
          <h2 id="ask-heading">Ask the borrower</h2>
          <p className="muted small">
            They get a text and an e-mail with a link that works without an account. Ask for a
            document, a question, or both.
          </p>
          <Form method="post" noValidate>
            <label htmlFor="documentKind">Document needed</label>
            <select {...fieldProps("documentKind")} defaultValue={typed.documentKind ?? ""}>
              <option value="">No document</option>
              {d.kinds.map((k) => (
                <option key={k.kind} value={k.kind}>
                  {k.label}
                </option>
              ))}
            </select>
            <FieldError id="documentKind-error" errors={errors.documentKind} />
            <label htmlFor="question">Question (optional)</label>
            <input
              {...fieldProps("question")}
              maxLength={questionLimits.max}
              defaultValue={typed.question ?? ""}
            />
            <FieldError id="question-error" errors={errors.question} />
            <label htmlFor="message">Message to the borrower</label>
            <textarea
              {...fieldProps("message")}
              rows={4}
              minLength={messageLimits.min}
              maxLength={messageLimits.max}
              defaultValue={typed.message ?? ""}
            />
            <FieldError id="message-error" errors={errors.message} />
            <IntentButton intent="request" disabled={busy}>
              Send the request
            </IntentButton>
          </Form>
        </section>
      ) : !waiting && d.canRequest && !d.mine && d.reviewStatus !== "resolved" ? (
        <FormNotice message="Assign the review to yourself to ask the borrower." />
      ) : null}
      <section aria-labelledby="requests-heading">
        <h2 id="requests-heading">Requests</h2>
        {d.requests.length === 0 ? <p className="muted">None yet.</p> : null}
        {d.requests.map((r) => (
          <article key={r.id} className="card" data-testid="info-request" data-status={r.status}>
            <h3>
              {infoRequestStatusText[r.status]} · asked {shortTime(r.createdAt)}
            </h3>
            <dl className="facts">
              {r.document ? (
                <div>
                  <dt>Document</dt>
                  <dd>{r.document}</dd>
                </div>
              ) : null}
              {r.question ? (
                <div>
                  <dt>Question</dt>
                  <dd>{r.question}</dd>
                </div>
              ) : null}
              <div>
                <dt>Message</dt>
                <dd>{r.message}</dd>
              </div>
              <div>
                <dt>{r.status === "open" ? "Waits until" : "Was due"}</dt>
                <dd>{shortTime(r.dueAt)}</dd>
              </div>
              {r.answer ? (
                <div>
                  <dt>Answer</dt>
                  <dd data-testid="info-answer">{r.answer}</dd>
                </div>
              ) : null}
              {r.file ? (
                <div>
                  <dt>Document received</dt>
                  <dd>
                    <a
                      href={`/ops/reviews/${d.reviewId}/info-documents/${r.id}`}
                      download
                      data-testid="info-document"
                    >
                      {r.file.name}
                    </a>{" "}
                    ({Math.ceil(r.file.sizeBytes / 1024)} KB, {shortTime(r.answeredAt)})
                  </dd>
                </div>
              ) : null}
            </dl>
            {r.status === "open" && d.canRequest ? (
              <Form method="post">
                <input type="hidden" name="requestId" value={r.id} />
                <IntentButton intent="withdraw" className="secondary" disabled={busy}>
                  Withdraw and return to the queue
                </IntentButton>
              </Form>
            ) : null}
          </article>
        ))}
      </section>
    </OpsShell>
  );
}

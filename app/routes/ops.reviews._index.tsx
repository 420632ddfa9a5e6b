import { parseWithZod } from "@conform-to/zod/v4";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { clientInfo } from "~/app/audit/audit.server";
import { getDatabase } from "~/app/db.server";
import { formatMoney } from "~/app/money/dollars";
import { formatDuration } from "~/app/ops/dashboard";
import { requireAction, requirePermission } from "~/app/ops/guard.server";
import { OpsShell } from "~/app/ops/layout";
import { can } from "~/app/ops/permissions";
import {
  decodeQueueCursor,
  encodeQueueCursor,
  formatCount,
  reasonText,
  slaTimer,
} from "~/app/ops/reviews";
import { queueAssignSchema } from "~/app/ops/reviews-forms.server";
import {
  assignReview,
  listQueue,
  queuePageSize,
  ReviewNotFoundError,
  reviewSla,
  ReviewStateError,
} from "~/app/ops/reviews.server";
import { listWaitingForBorrower } from "~/app/ops/waiting-reviews.server";
import { FormAlert } from "~/app/ui/fields";
import { DataTable } from "~/app/ops/page-ui";

export const meta: MetaFunction = () => [{ title: "Review queue — FlowOps" }];

/**
 * The review queue (ADR 075): the earliest due first, each row's SLA timer computed on the server
 * (overdue rows marked in words and colour, no JavaScript needed).
 */
export async function loader({ request }: LoaderFunctionArgs) {
  const { operator } = await requirePermission(request, "read:review");
  const sla = reviewSla();
  const reader = (await getDatabase()).reader;
  const now = new Date();
  // A page of the queue (ADR 089): a malformed cursor opens the first page.
  const after = decodeQueueCursor(new URL(request.url).searchParams.get("after"));
  const [queue, waiting] = await Promise.all([
    listQueue(reader, queuePageSize, sla, { after, now: now.getTime() }),
    listWaitingForBorrower(reader),
  ]);
  return {
    operator: { id: operator.id, name: operator.name, email: operator.email, role: operator.role },
    canAssign: can(operator.role, "assign:review"),
    sla,
    total: queue.total,
    open: formatCount(queue.counts.open),
    overdue: queue.counts.overdue.n > 0 ? formatCount(queue.counts.overdue) : null,
    firstPage: after === null,
    next: queue.next ? encodeQueueCursor(queue.next) : null,
    items: queue.items.map((item) => ({
      ...item,
      reasonText: reasonText(item.reason),
      createdAt: item.createdAt.toISOString(),
      dueAt: item.dueAt.toISOString(),
      age: formatDuration(now.getTime() - item.createdAt.getTime()),
      timer: slaTimer(item.dueAt, now, formatDuration),
    })),
    waitingTotal: waiting.total,
    waiting: waiting.items.map((item) => ({
      ...item,
      askedAt: item.askedAt.toISOString(),
      dueAt: item.dueAt.toISOString(),
      asked: formatDuration(now.getTime() - item.askedAt.getTime()),
    })),
  };
}

export async function action({ request }: ActionFunctionArgs) {
  const { operator } = await requireAction(request, "assign:review");
  const submission = parseWithZod(await request.formData(), { schema: queueAssignSchema });
  if (submission.status !== "success") throw new Response("Not Found", { status: 404 });
  const { reviewId } = submission.value;
  try {
    await assignReview(await getDatabase(), {
      reviewId,
      operatorId: operator.id,
      client: clientInfo(request),
    });
  } catch (error) {
    if (error instanceof ReviewNotFoundError) throw new Response("Not Found", { status: 404 });
    if (error instanceof ReviewStateError) return { error: error.message };
    throw error;
  }
  return redirect(`/ops/reviews/${reviewId}`);
}

export default function ReviewQueue() {
  const d = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  return (
    <OpsShell operator={d.operator} title="Review queue">
      <FormAlert message={result?.error} />
      <p>
        {d.total === 0
          ? "No applications are waiting for review."
          : `${d.open} open ${d.total === 1 ? "review" : "reviews"}${d.overdue ? `, ${d.overdue} overdue` : ""}: the earliest due first.`}
        {d.next || !d.firstPage
          ? ` Showing ${d.firstPage ? "the first" : "the next"} ${d.items.length}.`
          : ""}
      </p>
      <p className="muted small">
        SLA: {d.sla.highHours} h for high priority, {d.sla.normalHours} h for normal, from entering
        the queue; at the same due time the larger amount comes first.
      </p>
      {d.items.length > 0 ? (
        <DataTable
          caption="Open manual reviews"
          captionVisible
          columns={[
            "SLA",
            "Priority",
            "Customer",
            "Reason",
            "Amount",
            "Merchant",
            "Waiting",
            "Assigned to",
            "Action",
          ]}
          wrapper={{ label: "Open manual reviews" }}
        >
          {d.items.map((item) => (
            <tr key={item.id} className={item.timer.overdue ? "overdue" : undefined}>
              <td>
                {item.timer.overdue ? <strong>{item.timer.text}</strong> : item.timer.text}
                <br />
                <span className="muted small">
                  due <time dateTime={item.dueAt}>{item.dueAt.slice(0, 16).replace("T", " ")}</time>{" "}
                  UTC
                </span>
              </td>
              <td>{item.priority === 1 ? <strong>High</strong> : "Normal"}</td>
              <th scope="row">
                <Link to={`/ops/reviews/${item.id}`}>{item.customerName}</Link>
              </th>
              <td>{item.reasonText}</td>
              <td>{formatMoney(item.amountCents)}</td>
              <td>{item.merchantName}</td>
              <td>
                <time dateTime={item.createdAt}>{item.age}</time>
              </td>
              <td>{item.assignedTo === d.operator.id ? "You" : (item.assigneeName ?? "Nobody")}</td>
              <td>
                {d.canAssign && item.assignedTo !== d.operator.id ? (
                  <Form method="post" className="inline-form">
                    <input type="hidden" name="reviewId" value={item.id} />
                    <button
                      type="submit"
                      className="small-button"
                      aria-label={`Assign to me: review of ${item.customerName}`}
                    >
                      Assign to me
                    </button>
                  </Form>
                ) : (
                  <Link to={`/ops/reviews/${item.id}`}>Open</Link>
                )}
              </td>
            </tr>
          ))}
        </DataTable>
      ) : null}
      {d.next || !d.firstPage ? (
        <p>
          {d.firstPage ? null : <Link to="/ops/reviews">The earliest due</Link>}
          {d.next && !d.firstPage ? " · " : null}
          {d.next ? (
            <Link to={`/ops/reviews?after=${encodeURIComponent(d.next)}`}>
              Next {queuePageSize} by due time
            </Link>
          ) : null}
        </p>
      ) : null}
      <WaitingForBorrower items={d.waiting} total={d.waitingTotal} />
    </OpsShell>
  );
}

/** Reviews out of the queue until the borrower answers (or the request times out, ADR 076). */
function WaitingForBorrower(props: {
  total: number;
  items: ReturnType<typeof useLoaderData<typeof loader>>["waiting"];
}) {
  return (
    <section aria-labelledby="waiting-heading">
      <h2 id="waiting-heading">Waiting for the borrower</h2>
      {props.total === 0 ? (
        <p>No review is waiting for a borrower's answer.</p>
      ) : (
        <>
          <p>
            {props.total} {props.total === 1 ? "review" : "reviews"} asked the borrower for
            information; each returns to the queue when the borrower answers or the request times
            out.
            {props.total > props.items.length ? ` Showing the first ${props.items.length}.` : ""}
          </p>
          <DataTable
            caption="Reviews waiting for the borrower"
            columns={["Customer", "Amount", "Merchant", "Asked", "Times out", "Underwriter"]}
            wrapper={{ label: "Reviews waiting for the borrower" }}
          >
            {props.items.map((item) => (
              <tr key={item.id}>
                <th scope="row">
                  <Link to={`/ops/reviews/${item.id}`}>{item.customerName}</Link>
                </th>
                <td>{formatMoney(item.amountCents)}</td>
                <td>{item.merchantName}</td>
                <td>
                  <time dateTime={item.askedAt}>{item.asked} ago</time>
                </td>
                <td>
                  <time dateTime={item.dueAt}>{item.dueAt.slice(0, 16).replace("T", " ")}</time> UTC
                </td>
                <td>{item.assigneeName ?? "Nobody"}</td>
              </tr>
            ))}
          </DataTable>
        </>
      )}
    </section>
  );
}

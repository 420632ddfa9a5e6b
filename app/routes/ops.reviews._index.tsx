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
import { reasonText } from "~/app/ops/reviews";
import {
  assignReview,
  listQueue,
  ReviewNotFoundError,
  ReviewStateError,
} from "~/app/ops/reviews.server";
import { FormAlert } from "~/app/ui/fields";
import { DataTable } from "~/app/ops/page-ui";

export const meta: MetaFunction = () => [{ title: "Review queue — FlowOps" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { operator } = await requirePermission(request, "read:review");
  const queue = await listQueue(await getDatabase());
  const now = Date.now();
  return {
    operator: { id: operator.id, name: operator.name, email: operator.email, role: operator.role },
    canAssign: can(operator.role, "assign:review"),
    total: queue.total,
    items: queue.items.map((item) => ({
      ...item,
      reasonText: reasonText(item.reason),
      createdAt: item.createdAt.toISOString(),
      age: formatDuration(now - item.createdAt.getTime()),
    })),
  };
}

export async function action({ request }: ActionFunctionArgs) {
  const { operator } = await requireAction(request, "assign:review");
  const form = await request.formData();
  const reviewId = String(form.get("reviewId") ?? "");
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
          : `${d.total} open ${d.total === 1 ? "review" : "reviews"}: high priority first, then the oldest.`}
        {d.total > d.items.length ? ` Showing the first ${d.items.length}.` : ""}
      </p>
      {d.items.length > 0 ? (
        <DataTable
          caption="Open manual reviews"
          captionVisible
          columns={[
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
            <tr key={item.id}>
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
    </OpsShell>
  );
}

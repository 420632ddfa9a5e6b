import { parseWithZod } from "@conform-to/zod/v4";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { clientInfo } from "~/app/audit/audit.server";
import { getDatabase } from "~/app/db.server";
import {
  listReconciliationItems,
  ReconciliationInputError,
  requestReconciliation,
} from "~/app/lending/reconciliation.server";
import { formatMoney } from "~/app/money/dollars";
import { firstError } from "~/app/ops/form-schemas.server";
import { requireAction, requirePermission } from "~/app/ops/guard.server";
import { OpsShell } from "~/app/ops/layout";
import { can } from "~/app/ops/permissions";
import {
  itemView,
  reconcileForm,
  reconciliationNotices,
  yesterday,
} from "~/app/ops/reconciliation";
import { FormAlert } from "~/app/ui/fields";

export const meta: MetaFunction = () => [{ title: "Reconciliation — FlowOps" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { operator } = await requirePermission(request, "read:reconciliation");
  const url = new URL(request.url);
  const status = url.searchParams.get("status") === "resolved" ? "resolved" : "open";
  const queue = await listReconciliationItems(await getDatabase(), status);
  return {
    operator: { id: operator.id, name: operator.name, email: operator.email, role: operator.role },
    canResolve: can(operator.role, "resolve:reconciliation"),
    notice: reconciliationNotices[url.searchParams.get("done") ?? ""] ?? null,
    defaultDate: yesterday(),
    status,
    total: queue.total,
    items: queue.items.map((item) => ({ ...itemView(item), merchantName: item.merchantName })),
    runs: queue.runs.map((run) => ({
      key: `${run.lender}:${run.settlementDate}`,
      lender: run.lender,
      date: run.settlementDate,
      reportLines: run.reportLines,
      ledgerMovements: run.ledgerMovements,
      differences: run.differences,
      completedAt: run.completedAt.toISOString(),
    })),
  };
}

export async function action({ request }: ActionFunctionArgs) {
  const { operator } = await requireAction(request, "resolve:reconciliation");
  // disableAutoCoercion: an empty field reaches the schema as "", whose message says what to enter.
  const parsed = parseWithZod(await request.formData(), {
    schema: reconcileForm,
    disableAutoCoercion: true,
  });
  if (parsed.status !== "success") {
    return data({ error: firstError(parsed.error) }, { status: 422 });
  }
  try {
    await requestReconciliation(await getDatabase(), {
      date: parsed.value.date,
      operatorId: operator.id,
      client: clientInfo(request),
    });
  } catch (error) {
    if (error instanceof ReconciliationInputError) {
      return data({ error: error.message }, { status: 422 });
    }
    throw error;
  }
  return redirect("/ops/reconciliation?done=requested");
}

const money = (cents: number | null) => (cents === null ? "—" : formatMoney(cents));

export default function ReconciliationQueue() {
  const d = useLoaderData<typeof loader>();
  const result = useActionData<{ error: string }>();
  const other = d.status === "open" ? "resolved" : "open";
  return (
    <OpsShell operator={d.operator} title="Reconciliation" notice={d.notice}>
      <p>
        Each day the lender&apos;s settlement report of the day before is compared with the ledger,
        loan by loan; every difference waits here until someone resolves it with a note.
      </p>
      {d.canResolve ? (
        <Form method="post" className="inline-form" aria-label="Reconcile a date">
          <FormAlert message={result?.error} />
          <label htmlFor="reconcile-date">Settlement date</label>
          <input
            id="reconcile-date"
            name="date"
            type="date"
            required
            defaultValue={d.defaultDate}
          />
          <button type="submit">Reconcile now</button>
        </Form>
      ) : null}
      <h2>{d.status === "open" ? "Open differences" : "Resolved differences"}</h2>
      <p>
        {d.total === 0
          ? d.status === "open"
            ? "No open differences: the lender's reports agree with the ledger."
            : "Nothing has been resolved yet."
          : `${d.total} ${d.status} ${d.total === 1 ? "difference" : "differences"}${d.total > d.items.length ? `; showing the first ${d.items.length}` : ""}.`}{" "}
        <Link to={`/ops/reconciliation?status=${other}`}>Show {other} differences</Link>
      </p>
      {d.items.length > 0 ? (
        <div className="table-scroll" tabIndex={0} role="region" aria-label="Differences">
          <table>
            <caption>{d.status === "open" ? "Open differences" : "Resolved differences"}</caption>
            <thead>
              <tr>
                <th scope="col">Date</th>
                <th scope="col">Loan</th>
                <th scope="col">Merchant</th>
                <th scope="col">Kind</th>
                <th scope="col">What differs</th>
                <th scope="col">Lender</th>
                <th scope="col">Ledger</th>
                <th scope="col">Difference</th>
              </tr>
            </thead>
            <tbody>
              {d.items.map((item) => (
                <tr key={item.id}>
                  <td>{item.date}</td>
                  <th scope="row">
                    <Link to={`/ops/reconciliation/${item.id}`}>{item.loanId}</Link>
                  </th>
                  <td>{item.merchantName ?? "Unknown"}</td>
                  <td>{item.kind}</td>
                  <td>{item.issue}</td>
                  <td>
                    {item.lender}: {money(item.lenderCents)}
                  </td>
                  <td>{money(item.ledgerCents)}</td>
                  <td>{formatMoney(item.differenceCents)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <h2>Recent runs</h2>
      {d.runs.length === 0 ? (
        <p>No settlement report has been reconciled yet.</p>
      ) : (
        <div className="table-scroll" tabIndex={0} role="region" aria-label="Recent runs">
          <table>
            <caption>Recent reconciliation runs</caption>
            <thead>
              <tr>
                <th scope="col">Settlement date</th>
                <th scope="col">Lender</th>
                <th scope="col">Report lines</th>
                <th scope="col">Ledger movements</th>
                <th scope="col">Differences</th>
                <th scope="col">Run at</th>
              </tr>
            </thead>
            <tbody>
              {d.runs.map((run) => (
                <tr key={run.key}>
                  <th scope="row">{run.date}</th>
                  <td>{run.lender}</td>
                  <td>{run.reportLines}</td>
                  <td>{run.ledgerMovements}</td>
                  <td>{run.differences}</td>
                  <td>
                    <time dateTime={run.completedAt}>
                      {run.completedAt.slice(0, 16).replace("T", " ")} UTC
                    </time>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </OpsShell>
  );
}

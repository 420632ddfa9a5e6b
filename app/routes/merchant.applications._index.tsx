import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { effectiveStatus } from "~/app/crm/applications.server";
import { getDatabase } from "~/app/db.server";
import { statusFilter } from "~/app/merchant/forms";
import { requirePortal } from "~/app/merchant/guard.server";
import { PortalShell, shellUser } from "~/app/merchant/layout";
import { formatMoney } from "~/app/money/dollars";
import {
  applicationStatuses,
  decodeCursor,
  encodeCursor,
  statusLabels,
} from "~/app/ops/applications";
import { When } from "~/app/ops/layout";
import { DataTable } from "~/app/ops/page-ui";

export const meta: MetaFunction = () => [{ title: "Applications — FlowPay merchant portal" }];

const pageSize = 25;

export async function loader({ request }: LoaderFunctionArgs) {
  const context = await requirePortal(request, "read:application");
  const params = new URL(request.url).searchParams;
  const q = (params.get("q") ?? "").trim().slice(0, 100);
  const status = statusFilter(params.get("status"));
  const after = decodeCursor(params.get("after")) ?? undefined;
  const database = await getDatabase();
  const page = await context.scope.applicationsPage(database.reader.db, {
    q,
    status,
    after,
    limit: pageSize,
  });
  const now = Date.now();
  const firstParams = new URLSearchParams();
  if (q) firstParams.set("q", q);
  if (status) firstParams.set("status", status);
  const nextParams = new URLSearchParams(firstParams);
  if (page.next) nextParams.set("after", encodeCursor(page.next));
  return {
    user: shellUser(context),
    q,
    status: status ?? "",
    rows: page.rows.map((row) => ({
      id: row.id,
      customer: `${row.firstName} ${row.lastName}`,
      jobId: row.crmJobId,
      amountCents: row.amountCents,
      status: effectiveStatus(
        row,
        row.linkExpiresAt === null
          ? undefined
          : { expiresAt: new Date(row.linkExpiresAt), revokedAt: null },
        now,
      ),
      createdAt: row.createdAt.toISOString(),
    })),
    nextHref: page.next ? `/merchant/applications?${nextParams}` : null,
    firstHref: after ? `/merchant/applications?${firstParams}` : null,
  };
}

export default function MerchantApplications() {
  const { user, q, status, rows, nextHref, firstHref } = useLoaderData<typeof loader>();
  return (
    <PortalShell user={user} title="Applications">
      <Form method="get" className="card filters" role="search">
        <div className="filter-row">
          <div>
            <label htmlFor="q">Search</label>
            <input
              id="q"
              name="q"
              defaultValue={q}
              placeholder="Customer name, job or application id"
            />
          </div>
          <div>
            <label htmlFor="status">Status</label>
            <select id="status" name="status" defaultValue={status}>
              <option value="">Any status</option>
              {applicationStatuses.map((s) => (
                <option key={s} value={s}>
                  {statusLabels[s]}
                </option>
              ))}
            </select>
          </div>
        </div>
        <button type="submit">Search</button>
      </Form>
      {rows.length === 0 ? (
        <p>No applications match.</p>
      ) : (
        <DataTable
          caption="Applications, newest first"
          columns={["Customer", "Job", "Amount", "Status", "Created"]}
        >
          {rows.map((row) => (
            <tr key={row.id}>
              <td>
                <Link to={`/merchant/applications/${row.id}`}>{row.customer}</Link>
              </td>
              <td>{row.jobId}</td>
              <td>{formatMoney(row.amountCents)}</td>
              <td>{statusLabels[row.status]}</td>
              <td>
                <When iso={row.createdAt} />
              </td>
            </tr>
          ))}
        </DataTable>
      )}
      <nav className="pager" aria-label="Pages">
        {firstHref ? <Link to={firstHref}>First page</Link> : null}
        {nextHref ? <Link to={nextHref}>Next page</Link> : null}
      </nav>
    </PortalShell>
  );
}

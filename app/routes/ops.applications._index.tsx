import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { getDatabase } from "~/app/db.server";
import { formatMoney } from "~/app/money/dollars";
import {
  applicationStatuses,
  listSearch,
  parseFilters,
  statusLabels,
} from "~/app/ops/applications";
import { listApplications, listMerchants } from "~/app/ops/applications.server";
import { agingBuckets, funnelStepLabels, funnelSteps } from "~/app/ops/dashboard-funnel";
import { requirePermission } from "~/app/ops/guard.server";
import { OpsShell } from "~/app/ops/layout";
import { DataTable } from "~/app/ops/page-ui";

export const meta: MetaFunction = () => [{ title: "Applications — FlowOps" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { operator } = await requirePermission(request, "read:application");
  const { filters, errors } = parseFilters(new URL(request.url).searchParams);
  // The page's reads run in a reader thread, off the thread that serves requests (ADR 083).
  const database = (await getDatabase()).reader;
  const [page, merchants] = await Promise.all([
    listApplications(database, filters),
    listMerchants(database),
  ]);
  return {
    operator: { name: operator.name, email: operator.email, role: operator.role },
    filters,
    errors,
    merchants,
    rows: page.rows.map((row) => ({ ...row, createdAt: row.createdAt.toISOString() })),
    nextSearch: page.next ? listSearch(filters, page.next) : null,
    firstSearch: filters.after ? listSearch(filters, null) : null,
  };
}

export default function ApplicationsList() {
  const d = useLoaderData<typeof loader>();
  const f = d.filters;
  const filtered = Boolean(f.q || f.status || f.merchantId || f.from || f.to || f.stage || f.aging);
  return (
    <OpsShell operator={d.operator} title="Applications">
      <Form method="get" className="card filters" role="search" aria-label="Find applications">
        <div className="filter-search">
          <label htmlFor="q">Search</label>
          <input
            id="q"
            name="q"
            type="search"
            defaultValue={f.q}
            aria-describedby="q-hint"
            maxLength={200}
          />
          <p id="q-hint" className="muted small">
            Customer name or part of it (one typo is forgiven), e-mail or part of it, a phone or its
            last 4 digits, a CRM id (customer or job); or an application id.
          </p>
        </div>
        <div className="filter-row">
          <div>
            <label htmlFor="status">Status</label>
            <select id="status" name="status" defaultValue={f.status ?? ""}>
              <option value="">Any status</option>
              {applicationStatuses.map((status) => (
                <option key={status} value={status}>
                  {statusLabels[status]}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label htmlFor="merchant">Merchant</label>
            <select id="merchant" name="merchant" defaultValue={f.merchantId ?? ""}>
              <option value="">Any merchant</option>
              {d.merchants.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.name}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label htmlFor="stage">Reached step</label>
            <select id="stage" name="stage" defaultValue={f.stage ?? ""}>
              <option value="">Any step</option>
              {funnelSteps.slice(1).map((step) => (
                <option key={step} value={step}>
                  {funnelStepLabels[step]}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label htmlFor="aging">Signed, not funded</label>
            <select id="aging" name="aging" defaultValue={f.aging ?? ""}>
              <option value="">—</option>
              <option value="any">Any time ago</option>
              {agingBuckets.map((bucket) => (
                <option key={bucket.id} value={bucket.id}>
                  {bucket.label} ago
                </option>
              ))}
            </select>
          </div>
          <div>
            <label htmlFor="from">Created from</label>
            <input id="from" name="from" type="date" defaultValue={f.from ?? ""} />
          </div>
          <div>
            <label htmlFor="to">Created to</label>
            <input id="to" name="to" type="date" defaultValue={f.to ?? ""} />
          </div>
        </div>
        <button type="submit">Search</button>{" "}
        {filtered ? <Link to="/ops/applications">Clear filters</Link> : null}
      </Form>

      {d.errors.length > 0 ? (
        <ul className="error" role="alert">
          {d.errors.map((e) => (
            <li key={e}>{e}</li>
          ))}
        </ul>
      ) : null}

      {d.rows.length === 0 ? (
        <p role="status">
          {filtered ? "No applications match these filters." : "No applications yet."}
        </p>
      ) : (
        <DataTable
          caption={`Applications, ${f.q ? "best match first" : "newest first"}${filtered ? " (filtered)" : ""}${d.firstSearch ? ", later page" : ""}`}
          captionVisible
          columns={["Created (UTC)", "Customer", "Merchant", "Amount", "Status", "CRM"]}
          wrapper={{ label: "Applications found" }}
        >
          {d.rows.map((row) => (
            <tr key={row.id}>
              <td>
                <time dateTime={row.createdAt}>{row.createdAt.slice(0, 16).replace("T", " ")}</time>
              </td>
              <th scope="row">
                <Link to={`/ops/applications/${row.id}`}>{row.customerName}</Link>
              </th>
              <td>{row.merchantName}</td>
              <td>{formatMoney(row.amountCents)}</td>
              <td>
                <span className={`badge status-${row.status}`}>{statusLabels[row.status]}</span>
              </td>
              <td>{row.crm}</td>
            </tr>
          ))}
        </DataTable>
      )}

      <nav aria-label="Pages" className="pager">
        {d.firstSearch !== null ? (
          <Link to={`/ops/applications${d.firstSearch}`}>First page</Link>
        ) : null}
        {d.nextSearch ? (
          <Link to={`/ops/applications${d.nextSearch}`} rel="next">
            Next page
          </Link>
        ) : null}
      </nav>
    </OpsShell>
  );
}

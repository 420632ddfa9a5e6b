import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { getDatabase } from "~/app/db.server";
import {
  parseAuditFilters,
  searchAuditLogs,
  utcText,
  type AuditFilters,
} from "~/app/ops/audit-log.server";
import { requirePermission } from "~/app/ops/guard.server";
import { OpsShell } from "~/app/ops/layout";
import { FormAlert } from "~/app/ui/fields";
import { DataTable } from "~/app/ops/page-ui";

export const meta: MetaFunction = () => [{ title: "Audit log — FlowOps" }];

const filterKeys = ["actor", "action", "entityType", "entityId", "from", "to"] as const;

/** Read-only: a GET loader and no action. Nothing on any screen can change the audit log. */
export async function loader({ request }: LoaderFunctionArgs) {
  const { operator } = await requirePermission(request, "read:audit");
  const params = new URL(request.url).searchParams;
  const form = Object.fromEntries(filterKeys.map((k) => [k, params.get(k) ?? ""]));
  const { filters, error } = parseAuditFilters(params);
  const page = filters
    ? await searchAuditLogs(await getDatabase(), filters)
    : { rows: [], older: null, newer: null };
  return {
    operator: { name: operator.name, email: operator.email, role: operator.role },
    form,
    error,
    query: filters ? filterQuery(filters) : "",
    paged: Boolean(filters?.before ?? filters?.after),
    older: page.older,
    newer: page.newer,
    rows: page.rows.map((r) => ({
      id: r.id,
      at: utcText(r.at)!,
      actor: r.actorLabel ?? r.actorId,
      actorType: r.actorType,
      actorId: r.actorId,
      action: r.action,
      entityType: r.entityType,
      entityId: r.entityId,
      ip: r.ip,
      userAgent: r.userAgent,
      requestId: r.requestId,
      details: r.details ? JSON.stringify(r.details) : null,
    })),
  };
}

/** The current filters as a query string, for the paging links. */
function filterQuery(filters: AuditFilters) {
  const query = new URLSearchParams();
  for (const key of filterKeys) {
    const value = filters[key];
    if (value) query.set(key, value);
  }
  return query.toString();
}

export default function AuditLog() {
  const data = useLoaderData<typeof loader>();
  const { form, rows } = data;
  const pageLink = (cursor: "before" | "after", id: number) =>
    `/ops/audit?${data.query ? `${data.query}&` : ""}${cursor}=${id}`;
  return (
    <OpsShell operator={data.operator} title="Audit log">
      <Form method="get" className="card ops-filters" aria-label="Filter the audit log">
        <div>
          <label htmlFor="actor">Actor (e-mail or id)</label>
          <input id="actor" name="actor" defaultValue={form.actor} maxLength={254} />
        </div>
        <div>
          <label htmlFor="action">Action (starts with)</label>
          <input id="action" name="action" defaultValue={form.action} maxLength={100} />
        </div>
        <div>
          <label htmlFor="entityType">Entity type</label>
          <input id="entityType" name="entityType" defaultValue={form.entityType} />
        </div>
        <div>
          <label htmlFor="entityId">Entity id</label>
          <input id="entityId" name="entityId" defaultValue={form.entityId} />
        </div>
        <div>
          <label htmlFor="from">From (UTC date)</label>
          <input id="from" name="from" type="date" defaultValue={form.from} />
        </div>
        <div>
          <label htmlFor="to">To (UTC date, inclusive)</label>
          <input id="to" name="to" type="date" defaultValue={form.to} />
        </div>
        <div>
          <button type="submit">Filter</button> <Link to="/ops/audit">Clear</Link>
        </div>
      </Form>
      <FormAlert message={data.error} />
      <DataTable
        caption="Audit records, newest first"
        className="ops-audit"
        columns={["When", "Who", "What", "Entity", "IP", "User agent", "Request id", "Details"]}
        wrapper={{ className: "ops-table-wrap", label: "Audit records" }}
      >
        {rows.map((r) => (
          <tr key={r.id}>
            <td>{r.at}</td>
            <td>
              {r.actor ?? "—"}
              <br />
              <span className="muted small">{r.actorType}</span>
            </td>
            <td>
              <code>{r.action}</code>
            </td>
            <td>
              {r.entityType ?? "—"}
              {r.entityId ? (
                <>
                  <br />
                  <span className="small">{r.entityId}</span>
                </>
              ) : null}
            </td>
            <td>{r.ip ?? "—"}</td>
            <td className="small">{r.userAgent ?? "—"}</td>
            <td className="small">{r.requestId ?? "—"}</td>
            <td>{r.details ? <code className="small">{r.details}</code> : "—"}</td>
          </tr>
        ))}
      </DataTable>
      {rows.length === 0 && !data.error ? <p>No audit records match.</p> : null}
      <nav aria-label="Audit log pages" className="ops-pager">
        {data.paged ? (
          <Link to={data.query ? `/ops/audit?${data.query}` : "/ops/audit"}>Newest</Link>
        ) : null}
        {data.newer !== null ? (
          <Link to={pageLink("after", data.newer)} rel="prev">
            ← Newer
          </Link>
        ) : null}
        {data.older !== null ? (
          <Link to={pageLink("before", data.older)} rel="next">
            Older →
          </Link>
        ) : null}
      </nav>
    </OpsShell>
  );
}

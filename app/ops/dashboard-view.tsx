import { Form, Link } from "@remix-run/react";
import { formatMoney } from "~/app/money/dollars";
import { formatPercent } from "./dashboard";
import type { Dashboard } from "./dashboard.server";
import { rangePresets } from "./dashboard-funnel";
import { DataTable } from "./page-ui";

/**
 * The dashboard's blocks (ADR 079), server-rendered and usable without JavaScript: the range form
 * is a GET form, every tile and row links to the filtered list of what it counts.
 */
type View = Dashboard;

export function RangeForm({ range, error }: { range: View["range"]; error: string | null }) {
  return (
    <Form method="get" className="card filters" role="search" aria-label="Dashboard range">
      <div className="filter-row">
        <div>
          <label htmlFor="range">Range</label>
          <select id="range" name="range" defaultValue={range.preset}>
            {rangePresets.map((days) => (
              <option key={days} value={days}>
                Last {days} days
              </option>
            ))}
            <option value="custom">Custom dates</option>
          </select>
        </div>
        <div>
          <label htmlFor="range-from">From (custom)</label>
          <input id="range-from" name="from" type="date" defaultValue={range.from} />
        </div>
        <div>
          <label htmlFor="range-to">To (custom)</label>
          <input id="range-to" name="to" type="date" defaultValue={range.to} />
        </div>
      </div>
      <button type="submit">Show</button>
      <p className="muted small">
        Showing {range.label} ({range.from} to {range.to}, UTC days, {range.days} days). The dates
        apply when “Custom dates” is chosen.
      </p>
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
    </Form>
  );
}

export function Stats({ stats }: { stats: View["stats"] }) {
  return (
    <dl className="stat-grid">
      {stats.map((stat) => (
        <div key={stat.label} className="stat">
          <dt>{stat.label}</dt>
          <dd>
            <span className="stat-value">{stat.value}</span>
            {stat.detail ? <span className="stat-detail">{stat.detail}</span> : null}
            {stat.href ? (
              <Link className="small" to={stat.href} aria-label={`Applications: ${stat.label}`}>
                View applications
              </Link>
            ) : null}
          </dd>
        </div>
      ))}
    </dl>
  );
}

export function Funnel({ funnel, range }: { funnel: View["funnel"]; range: View["range"] }) {
  return (
    <DataTable
      caption={`Funnel: links sent ${range.label}, by the furthest step each reached`}
      captionVisible
      columns={["Step", "Applications", "From the step before", "From links sent"]}
      wrapper={false}
    >
      {funnel.map((row) => (
        <tr key={row.step}>
          <th scope="row">
            <Link to={row.href}>{row.label}</Link>
          </th>
          <td>{row.count.toLocaleString("en-US")}</td>
          <td>{row.step === "sent" ? "—" : formatPercent(row.fromPrevious)}</td>
          <td>{row.step === "sent" ? "—" : formatPercent(row.fromSent)}</td>
        </tr>
      ))}
    </DataTable>
  );
}

export function FundingAging({ rows }: { rows: View["fundingAging"] }) {
  const waiting = rows.reduce((sum, row) => sum + row.count, 0);
  return (
    <DataTable
      caption={`Signed, not funded yet: ${waiting} ${waiting === 1 ? "application" : "applications"}, by time since signing`}
      captionVisible
      columns={["Signed", "Applications", "Amount"]}
      wrapper={false}
    >
      {rows.map((row) => (
        <tr key={row.id}>
          <th scope="row">
            <Link to={row.href}>{row.label} ago</Link>
          </th>
          <td>{row.count}</td>
          <td>{formatMoney(row.amountCents)}</td>
        </tr>
      ))}
    </DataTable>
  );
}

export function ByMerchant({ rows, range }: { rows: View["merchants"]; range: View["range"] }) {
  if (rows.length === 0) return <p>No applications from any merchant {range.label}.</p>;
  return (
    <DataTable
      caption={`Top merchants, ${range.label} (by funded volume)`}
      captionVisible
      columns={["Merchant", "Links sent", "Signed", "Funded", "Sent → funded", "Funded volume"]}
      wrapper={false}
    >
      {rows.map((row) => (
        <tr key={row.merchantId}>
          <th scope="row">
            <Link to={row.href}>{row.name}</Link>
          </th>
          <td>{row.sent}</td>
          <td>{row.signed}</td>
          <td>{row.funded}</td>
          <td>{row.conversion}</td>
          <td>{formatMoney(row.fundedVolumeCents)}</td>
        </tr>
      ))}
    </DataTable>
  );
}

const when = (iso: string | null) => (iso ? `${iso.slice(0, 16).replace("T", " ")} UTC` : "never");

export function CrmFailures({ failures }: { failures: View["crmFailures"] }) {
  return (
    <>
      <p role="status">
        <strong>{failures.merchants}</strong>{" "}
        {failures.merchants === 1 ? "merchant has" : "merchants have"} failing CRM write-backs
        (failed since their last success). <Link to={failures.href}>Open the CRM sync jobs</Link>
      </p>
      {failures.rows.length > 0 ? (
        <DataTable
          caption="CRM calls failing since their last success, by merchant and operation"
          captionVisible
          columns={["Merchant", "CRM", "Operation", "Failures", "Last error", "Last success"]}
          wrapper={false}
        >
          {failures.rows.map((row) => (
            <tr key={`${row.merchantId}/${row.crm}/${row.operation}`}>
              <th scope="row">
                <Link to={`/ops/merchants/${row.merchantId}`}>{row.merchantName}</Link>
              </th>
              <td>{row.crm}</td>
              <td>{row.operation}</td>
              <td>{row.failuresSinceSuccess}</td>
              <td>
                {row.lastError ?? "—"}{" "}
                <span className="muted small">({when(row.lastFailureAt)})</span>
              </td>
              <td>{when(row.lastSuccessAt)}</td>
            </tr>
          ))}
        </DataTable>
      ) : null}
    </>
  );
}

export function PartnerErrorsView({ errors }: { errors: View["partnerErrors"] }) {
  return (
    <>
      {errors.jobs.length === 0 && errors.crm.length === 0 ? (
        <p>No failed jobs and no CRM errors in the last 24 hours.</p>
      ) : null}
      {errors.jobs.length > 0 ? (
        <DataTable
          caption="Background jobs failing or dead, by kind"
          captionVisible
          columns={["Job kind", "Failing (will retry)", "Dead (gave up)"]}
          wrapper={false}
        >
          {errors.jobs.map((row) => (
            <tr key={row.kind}>
              <th scope="row">
                <Link to={row.href}>{row.kind}</Link>
              </th>
              <td>{row.failing}</td>
              <td>{row.dead}</td>
            </tr>
          ))}
        </DataTable>
      ) : null}
      {errors.crm.length > 0 ? (
        <DataTable
          caption="CRM call errors, by CRM and operation"
          captionVisible
          columns={["CRM", "Operation", "Errors"]}
          wrapper={false}
        >
          {errors.crm.map((row) => (
            <tr key={`${row.crm}/${row.operation}`}>
              <th scope="row">
                <Link to="/ops/jobs?kind=sync-to-crm">{row.crm}</Link>
              </th>
              <td>{row.operation}</td>
              <td>{row.errors}</td>
            </tr>
          ))}
        </DataTable>
      ) : null}
    </>
  );
}

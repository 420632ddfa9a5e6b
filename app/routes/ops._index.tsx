import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { getDatabase } from "~/app/db.server";
import { BarChart } from "~/app/ops/charts-view";
import { formatDuration } from "~/app/ops/dashboard";
import { loadDashboard } from "~/app/ops/dashboard.server";
import { requirePermission } from "~/app/ops/guard.server";
import { OpsShell } from "~/app/ops/layout";
import { can } from "~/app/ops/permissions";

export const meta: MetaFunction = () => [{ title: "Dashboard — FlowOps" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { operator } = await requirePermission(request, "read:dashboard");
  const dashboard = await loadDashboard(await getDatabase());
  return {
    operator: { name: operator.name, email: operator.email, role: operator.role },
    canReview: can(operator.role, "read:review"),
    dashboard,
  };
}

export default function OpsDashboard() {
  const { operator, canReview, dashboard } = useLoaderData<typeof loader>();
  const { reviewQueue, partnerErrors } = dashboard;
  return (
    <OpsShell operator={operator} title="Dashboard">
      <p className="muted small">
        Signed in as {operator.name} ({operator.email}). Figures as of{" "}
        <time dateTime={dashboard.generatedAt}>
          {dashboard.generatedAt.slice(0, 16).replace("T", " ")} UTC
        </time>
        .
      </p>

      <section aria-labelledby="overview-heading">
        <h2 id="overview-heading">Overview</h2>
        <dl className="stat-grid">
          {dashboard.stats.map((stat) => (
            <div key={stat.label} className="stat">
              <dt>{stat.label}</dt>
              <dd>
                <span className="stat-value">{stat.value}</span>
                {stat.detail ? <span className="stat-detail">{stat.detail}</span> : null}
              </dd>
            </div>
          ))}
        </dl>
        {reviewQueue.pending + reviewQueue.assigned > 0 ? (
          <p>
            {reviewQueue.highPriority} high-priority{" "}
            {reviewQueue.highPriority === 1 ? "review" : "reviews"}; the oldest has waited{" "}
            {formatDuration(reviewQueue.oldestAgeMs)}.
            {canReview ? (
              <>
                {" "}
                <Link to="/ops/reviews">Open the review queue</Link>
              </>
            ) : null}
          </p>
        ) : null}
      </section>

      <section aria-labelledby="charts-heading">
        <h2 id="charts-heading">Trends</h2>
        <div className="chart-grid">
          {dashboard.charts.map((chart) => (
            <BarChart key={chart.id} model={chart} />
          ))}
        </div>
      </section>

      <section aria-labelledby="errors-heading">
        <h2 id="errors-heading">Partner errors, last 24 hours</h2>
        {partnerErrors.jobs.length === 0 && partnerErrors.crm.length === 0 ? (
          <p>No failed jobs and no CRM errors in the last 24 hours.</p>
        ) : null}
        {partnerErrors.jobs.length > 0 ? (
          <table>
            <caption>Background jobs failing or dead, by kind</caption>
            <thead>
              <tr>
                <th scope="col">Job kind</th>
                <th scope="col">Failing (will retry)</th>
                <th scope="col">Dead (gave up)</th>
              </tr>
            </thead>
            <tbody>
              {partnerErrors.jobs.map((row) => (
                <tr key={row.kind}>
                  <th scope="row">{row.kind}</th>
                  <td>{row.failing}</td>
                  <td>{row.dead}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
        {partnerErrors.crm.length > 0 ? (
          <table>
            <caption>CRM call errors, by CRM and operation</caption>
            <thead>
              <tr>
                <th scope="col">CRM</th>
                <th scope="col">Operation</th>
                <th scope="col">Errors</th>
              </tr>
            </thead>
            <tbody>
              {partnerErrors.crm.map((row) => (
                <tr key={`${row.crm}/${row.operation}`}>
                  <th scope="row">{row.crm}</th>
                  <td>{row.operation}</td>
                  <td>{row.errors}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </section>
    </OpsShell>
  );
}

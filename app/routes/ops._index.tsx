import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { getDatabase } from "~/app/db.server";
import { BarChart } from "~/app/ops/charts-view";
import { formatDuration } from "~/app/ops/dashboard";
import { loadDashboard } from "~/app/ops/dashboard.server";
import { requirePermission } from "~/app/ops/guard.server";
import { OpsShell } from "~/app/ops/layout";
import { can } from "~/app/ops/permissions";
import { DataTable, Section } from "~/app/ops/page-ui";

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

      <Section id="overview-heading" title="Overview" plain>
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
      </Section>

      <Section id="charts-heading" title="Trends" plain>
        <div className="chart-grid">
          {dashboard.charts.map((chart) => (
            <BarChart key={chart.id} model={chart} />
          ))}
        </div>
      </Section>

      <Section id="errors-heading" title="Partner errors, last 24 hours" plain>
        {partnerErrors.jobs.length === 0 && partnerErrors.crm.length === 0 ? (
          <p>No failed jobs and no CRM errors in the last 24 hours.</p>
        ) : null}
        {partnerErrors.jobs.length > 0 ? (
          <DataTable
            caption="Background jobs failing or dead, by kind"
            captionVisible
            columns={["Job kind", "Failing (will retry)", "Dead (gave up)"]}
            wrapper={false}
          >
            {partnerErrors.jobs.map((row) => (
              <tr key={row.kind}>
                <th scope="row">{row.kind}</th>
                <td>{row.failing}</td>
                <td>{row.dead}</td>
              </tr>
            ))}
          </DataTable>
        ) : null}
        {partnerErrors.crm.length > 0 ? (
          <DataTable
            caption="CRM call errors, by CRM and operation"
            captionVisible
            columns={["CRM", "Operation", "Errors"]}
            wrapper={false}
          >
            {partnerErrors.crm.map((row) => (
              <tr key={`${row.crm}/${row.operation}`}>
                <th scope="row">{row.crm}</th>
                <td>{row.operation}</td>
                <td>{row.errors}</td>
              </tr>
            ))}
          </DataTable>
        ) : null}
      </Section>
    </OpsShell>
  );
}

import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { getDatabase } from "~/app/db.server";
import { BarChart } from "~/app/ops/charts-view";
import { formatDuration } from "~/app/ops/dashboard";
import { parseRange } from "~/app/ops/dashboard-funnel";
import { loadDashboard } from "~/app/ops/dashboard.server";
import {
  ByMerchant,
  CrmFailures,
  Funnel,
  FundingAging,
  PartnerErrorsView,
  RangeForm,
  Stats,
} from "~/app/ops/dashboard-view";
import { requirePermission } from "~/app/ops/guard.server";
import { OpsShell } from "~/app/ops/layout";
import { can } from "~/app/ops/permissions";
import { Section } from "~/app/ops/page-ui";

export const meta: MetaFunction = () => [{ title: "Dashboard — FlowOps" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { operator } = await requirePermission(request, "read:dashboard");
  const now = Date.now();
  // The range from the query string (ADR 079): a malformed one falls back to 30 days and says so.
  const { range, error } = parseRange(new URL(request.url).searchParams, now);
  const dashboard = await loadDashboard((await getDatabase()).reader, now, range);
  return {
    operator: { name: operator.name, email: operator.email, role: operator.role },
    canReview: can(operator.role, "read:review"),
    rangeError: error,
    dashboard,
  };
}

export default function OpsDashboard() {
  const { operator, canReview, dashboard, rangeError } = useLoaderData<typeof loader>();
  const { reviewQueue, range } = dashboard;
  return (
    <OpsShell operator={operator} title="Dashboard">
      <p className="muted small">
        Signed in as {operator.name} ({operator.email}). Figures as of{" "}
        <time dateTime={dashboard.generatedAt}>
          {dashboard.generatedAt.slice(0, 16).replace("T", " ")} UTC
        </time>
        .
      </p>
      <RangeForm range={range} error={rangeError} />

      <Section id="overview-heading" title="Overview" plain>
        <Stats stats={dashboard.stats} />
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

      <Section id="funnel-heading" title="Funnel" plain>
        <Funnel funnel={dashboard.funnel} range={range} />
      </Section>

      <Section id="aging-heading" title="Funding aging" plain>
        <FundingAging rows={dashboard.fundingAging} />
      </Section>

      <Section id="merchants-heading" title="By merchant" plain>
        <ByMerchant rows={dashboard.merchants} range={range} />
      </Section>

      <Section id="charts-heading" title="Trends" plain>
        <div className="chart-grid">
          {dashboard.charts.map((chart) => (
            <BarChart key={chart.id} model={chart} />
          ))}
        </div>
      </Section>

      <Section id="crm-heading" title="CRM write-backs" plain>
        <CrmFailures failures={dashboard.crmFailures} />
      </Section>

      <Section id="errors-heading" title="Partner errors, last 24 hours" plain>
        <PartnerErrorsView errors={dashboard.partnerErrors} />
      </Section>
    </OpsShell>
  );
}

import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { getDatabase } from "~/app/db.server";
import { requirePortal } from "~/app/merchant/guard.server";
import { PortalShell, shellUser } from "~/app/merchant/layout";
import { formatMoney } from "~/app/money/dollars";
import { applicationStatuses, statusLabels } from "~/app/ops/applications";
import { formatPercent } from "~/app/ops/dashboard";
import { funnelRows } from "~/app/ops/dashboard-funnel";

export const meta: MetaFunction = () => [{ title: "Overview — FlowPay merchant portal" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const context = await requirePortal(request, "read:overview");
  const database = await getDatabase();
  const { scope } = context;
  // From the merchant's rollups (ADR 079): a few rows per day, never its applications.
  const [overview, payouts] = await Promise.all([
    scope.overview(database.reader.db),
    scope.payouts(database),
  ]);
  const { statusCounts: counts, funded } = overview;
  return {
    user: shellUser(context),
    counts,
    funnel: funnelRows(overview.funnel),
    funded,
    nextPayout: payouts.next,
    owedCents: payouts.owedCents,
  };
}

export default function MerchantOverview() {
  const { user, counts, funnel, funded, nextPayout, owedCents } = useLoaderData<typeof loader>();
  return (
    <PortalShell user={user} title="Overview">
      <dl className="stat-grid">
        <div className="stat">
          <dt>Funded volume</dt>
          <dd>
            <span className="stat-value">{formatMoney(funded.volumeCents)}</span>
            {funded.loans} {funded.loans === 1 ? "loan" : "loans"}
          </dd>
        </div>
        <div className="stat">
          <dt>Merchant fees</dt>
          <dd>
            <span className="stat-value">{formatMoney(funded.feesCents)}</span>
            on funded loans
          </dd>
        </div>
        <div className="stat">
          <dt>Next payout</dt>
          <dd>
            <span className="stat-value">{formatMoney(nextPayout.amountCents)}</span>
            on <time dateTime={nextPayout.date}>{nextPayout.date}</time>
            {owedCents < 0 ? <> · you owe FlowPay {formatMoney(-owedCents)}</> : null}
          </dd>
        </div>
      </dl>

      <section aria-labelledby="funnel-heading">
        <h2 id="funnel-heading">Conversion</h2>
        <ol className="steps">
          {funnel.map((row) => (
            <li key={row.step}>
              {row.label}: <strong>{row.count}</strong>
              {row.fromPrevious !== null ? (
                <span className="muted">
                  {" "}
                  ({formatPercent(row.fromPrevious)} of the step before,{" "}
                  {formatPercent(row.fromSent)} of links sent)
                </span>
              ) : null}
            </li>
          ))}
        </ol>
      </section>

      <section aria-labelledby="status-heading">
        <h2 id="status-heading">Applications by status</h2>
        <ul>
          {applicationStatuses
            .filter((status) => (counts[status] ?? 0) > 0)
            .map((status) => (
              <li key={status}>
                <Link to={`/merchant/applications?status=${status}`}>
                  {statusLabels[status]}: {counts[status]}
                </Link>
              </li>
            ))}
        </ul>
        {Object.keys(counts).length === 0 ? (
          <p>
            No applications yet. <Link to="/merchant/send">Send a financing link</Link>.
          </p>
        ) : null}
      </section>
    </PortalShell>
  );
}

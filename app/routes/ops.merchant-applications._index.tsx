import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { getDatabase } from "~/app/db.server";
import { formatMoney } from "~/app/money/dollars";
import { industries } from "~/app/onboarding/signup-schema";
import { listMerchantApplications } from "~/app/onboarding/review.server";
import { requirePermission } from "~/app/ops/guard.server";
import { OpsShell } from "~/app/ops/layout";

export const meta: MetaFunction = () => [{ title: "Merchant applications — FlowOps" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { operator } = await requirePermission(request, "read:merchant");
  const { pending, decided } = await listMerchantApplications(await getDatabase());
  const row = (a: (typeof pending)[number]) => ({
    id: a.id,
    name: a.dba ?? a.legalName,
    legalName: a.legalName,
    industry: industries[a.industry as keyof typeof industries] ?? a.industry,
    state: a.state,
    volume: formatMoney(a.expectedMonthlyVolumeCents),
    status: a.status,
    submittedAt: a.createdAt.toISOString().slice(0, 10),
  });
  return {
    operator: { name: operator.name, email: operator.email, role: operator.role },
    pending: pending.map(row),
    decided: decided.map(row),
  };
}

function ApplicationsTable({
  caption,
  rows,
}: {
  caption: string;
  rows: ReturnType<typeof useLoaderData<typeof loader>>["pending"];
}) {
  return (
    <div className="table-scroll" tabIndex={0}>
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Business</th>
            <th scope="col">Industry</th>
            <th scope="col">State</th>
            <th scope="col">Expected monthly volume</th>
            <th scope="col">Submitted</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((a) => (
            <tr key={a.id}>
              <th scope="row">
                <Link to={`/ops/merchant-applications/${a.id}`}>{a.name}</Link>
                {a.name !== a.legalName ? <div className="muted small">{a.legalName}</div> : null}
              </th>
              <td>{a.industry}</td>
              <td>{a.state}</td>
              <td>{a.volume}</td>
              <td>{a.submittedAt}</td>
              <td>{a.status}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** FlowOps' merchant-review queue (docs/product/merchants-and-money.md, "Onboarding"). */
export default function MerchantApplications() {
  const { operator, pending, decided } = useLoaderData<typeof loader>();
  return (
    <OpsShell operator={operator} title="Merchant applications">
      {pending.length === 0 ? (
        <p>No applications are waiting for review.</p>
      ) : (
        <ApplicationsTable caption="Waiting for review, oldest first" rows={pending} />
      )}
      {decided.length > 0 ? <ApplicationsTable caption="Recently reviewed" rows={decided} /> : null}
    </OpsShell>
  );
}

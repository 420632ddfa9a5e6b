import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { getDatabase } from "~/app/db.server";
import { formatMoney } from "~/app/money/dollars";
import { requirePermission } from "~/app/ops/guard.server";
import { OpsShell } from "~/app/ops/layout";
import { basisPointsToPercent } from "~/app/ops/merchants-form";
import { listMerchants } from "~/app/ops/merchants.server";
import { can } from "~/app/ops/permissions";

export const meta: MetaFunction = () => [{ title: "Merchants — FlowOps" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { operator } = await requirePermission(request, "read:merchant");
  return {
    operator: { name: operator.name, email: operator.email, role: operator.role },
    canEdit: can(operator.role, "edit:merchant"),
    merchants: await listMerchants(await getDatabase()),
  };
}

export default function Merchants() {
  const { operator, canEdit, merchants } = useLoaderData<typeof loader>();
  return (
    <OpsShell operator={operator} title="Merchants">
      {canEdit ? (
        <p>
          <Link to="/ops/merchants/new" className="button">
            Add a merchant
          </Link>
        </p>
      ) : null}
      {merchants.length === 0 ? (
        <p>No merchants yet.</p>
      ) : (
        <div className="table-scroll" tabIndex={0}>
          <table>
            <caption className="visually-hidden">Merchants</caption>
            <thead>
              <tr>
                <th scope="col">Merchant</th>
                <th scope="col">Slug</th>
                <th scope="col">Status</th>
                <th scope="col">Amounts</th>
                <th scope="col">Pricing plan</th>
                <th scope="col">Merchant fee</th>
                <th scope="col">Disbursement account</th>
                <th scope="col">Active API keys</th>
              </tr>
            </thead>
            <tbody>
              {merchants.map((merchant) => (
                <tr key={merchant.id}>
                  <th scope="row">
                    <Link to={`/ops/merchants/${merchant.id}`}>{merchant.name}</Link>
                  </th>
                  <td>
                    <code>{merchant.slug}</code>
                  </td>
                  <td>
                    <span className="badge">{merchant.status}</span>
                  </td>
                  <td>
                    {formatMoney(merchant.minAmountCents)} – {formatMoney(merchant.maxAmountCents)}
                  </td>
                  <td>{merchant.pricingPlan}</td>
                  <td>{basisPointsToPercent(merchant.merchantFeeBps)} %</td>
                  <td>{merchant.accountLast4 ? `ending in ${merchant.accountLast4}` : "—"}</td>
                  <td>{merchant.activeKeys}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </OpsShell>
  );
}

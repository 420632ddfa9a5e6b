import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { getDatabase } from "~/app/db.server";
import { formatMoney } from "~/app/money/dollars";
import { requirePermission } from "~/app/ops/guard.server";
import { OpsShell } from "~/app/ops/layout";
import { basisPointsToPercent } from "~/app/ops/merchants-form";
import { listMerchants } from "~/app/ops/merchants.server";
import { can } from "~/app/ops/permissions";
import { DataTable } from "~/app/ops/page-ui";

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
        <DataTable
          caption="Merchants"
          columns={[
            "Merchant",
            "Slug",
            "Status",
            "Amounts",
            "Pricing plan",
            "Merchant fee",
            "Disbursement account",
            "Active API keys",
          ]}
        >
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
        </DataTable>
      )}
    </OpsShell>
  );
}

import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { getDatabase } from "~/app/db.server";
import { utcText } from "~/app/ops/audit-log.server";
import { requirePermission } from "~/app/ops/guard.server";
import { OpsShell } from "~/app/ops/layout";
import { can, roleLabels } from "~/app/ops/permissions";
import { listOperators } from "~/app/ops/users.server";
import { DataTable } from "~/app/ops/page-ui";

export const meta: MetaFunction = () => [{ title: "Users — FlowOps" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { operator } = await requirePermission(request, "read:user");
  const operators = await listOperators(await getDatabase());
  return {
    operator: { name: operator.name, email: operator.email, role: operator.role },
    canManage: can(operator.role, "manage:user"),
    operators: operators.map((o) => ({
      id: o.id,
      email: o.email,
      name: o.name,
      role: o.role,
      status: o.status,
      mfaEnrolled: o.mfaEnrolled,
      locked: o.locked,
      lastLogin: utcText(o.lastLoginAt),
      activeSessions: o.activeSessions,
    })),
  };
}

export default function Users() {
  const { operator, canManage, operators } = useLoaderData<typeof loader>();
  return (
    <OpsShell operator={operator} title="Users">
      {canManage ? (
        <p>
          <Link className="button" to="/ops/users/new">
            Invite an operator
          </Link>
        </p>
      ) : null}
      <DataTable
        caption="FlowOps operators"
        className="ops-users"
        columns={["Name", "E-mail", "Role", "Status", "MFA", "Last sign-in", "Active sessions"]}
        wrapper={{ className: "ops-table-wrap", label: "Operators" }}
      >
        {operators.map((o) => (
          <tr key={o.id}>
            <th scope="row">
              <Link to={`/ops/users/${o.id}`}>{o.name}</Link>
            </th>
            <td>{o.email}</td>
            <td>{roleLabels[o.role]}</td>
            <td>
              {o.status === "active" ? "Active" : "Deactivated"}
              {o.locked ? (
                <>
                  {" "}
                  <span className="badge">Locked</span>
                </>
              ) : null}
            </td>
            <td>{o.mfaEnrolled ? "Enrolled" : "Not enrolled"}</td>
            <td>{o.lastLogin ?? "Never"}</td>
            <td>{o.activeSessions}</td>
          </tr>
        ))}
      </DataTable>
    </OpsShell>
  );
}

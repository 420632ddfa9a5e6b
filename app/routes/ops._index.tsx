import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { OpsShell } from "~/ops/layout";
import { requirePermission } from "~/ops/guard.server";

export const meta: MetaFunction = () => [{ title: "Dashboard — FlowOps" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { operator } = await requirePermission(request, "read:dashboard");
  return { operator: { name: operator.name, email: operator.email, role: operator.role } };
}

export default function OpsHome() {
  const { operator } = useLoaderData<typeof loader>();
  return (
    <OpsShell operator={operator} title="Dashboard">
      <p>
        Signed in as <strong>{operator.name}</strong> ({operator.email})
      </p>
    </OpsShell>
  );
}

import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { getDatabase } from "~/app/db.server";
import { requirePortal } from "~/app/merchant/guard.server";
import { PortalShell, shellUser } from "~/app/merchant/layout";
import { When } from "~/app/ops/layout";
import { connectionStatusLabel } from "~/app/crm-sync/write-health";
import { CrmWriteHealth } from "~/app/ui/crm-write-health";

export const meta: MetaFunction = () => [{ title: "CRM connection — FlowPay merchant portal" }];

/**
 * The merchant's CRM connection as FlowOps set it up (status, office, last verification, last
 * error) — never its credentials. Changing it stays with FlowOps for now; a CRM without an
 * adapter integrates through the API keys and webhooks instead.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  const context = await requirePortal(request, "read:crm_connection");
  const db = (await getDatabase()).db;
  const [connections, writeHealth] = await Promise.all([
    context.scope.crmConnections(db),
    // How write-backs really go (ADR 080), from the per-connection summary kept on write.
    context.scope.crmWriteHealth(db),
  ]);
  return {
    user: shellUser(context),
    writeHealth,
    connections: connections.map((c) => ({
      id: c.id,
      crm: c.crm,
      status: c.status,
      subdomain: c.subdomain,
      officeId: c.officeId,
      verifiedAt: c.verifiedAt?.toISOString() ?? null,
      lastError: c.lastError,
    })),
  };
}

const crmNames: Record<string, string> = {
  fieldroutes: "FieldRoutes",
  jobber: "Jobber",
  housecall_pro: "Housecall Pro",
};

export default function MerchantCrm() {
  const { user, connections, writeHealth } = useLoaderData<typeof loader>();
  return (
    <PortalShell user={user} title="CRM connection">
      {connections.length === 0 ? (
        <p>
          No CRM is connected. FlowPay support connects FieldRoutes for you; any other system can
          use an API key.
        </p>
      ) : (
        connections.map((c) => (
          <dl key={c.id} className="card facts">
            <div>
              <dt>CRM</dt>
              <dd>{crmNames[c.crm] ?? c.crm}</dd>
            </div>
            <div>
              <dt>Status</dt>
              <dd>
                {connectionStatusLabel(
                  c.status,
                  writeHealth.find((h) => h.crm === c.crm),
                )}
              </dd>
            </div>
            {c.subdomain ? (
              <div>
                <dt>Account</dt>
                <dd>
                  {c.subdomain}
                  {c.officeId ? ` · office ${c.officeId}` : null}
                </dd>
              </div>
            ) : null}
            <div>
              <dt>Last verified</dt>
              <dd>
                <When iso={c.verifiedAt} />
              </dd>
            </div>
            {c.lastError ? (
              <div>
                <dt>Last verification error</dt>
                <dd>{c.lastError}</dd>
              </div>
            ) : null}
          </dl>
        ))
      )}
      {writeHealth.map((health) => (
        <section key={health.crm} aria-labelledby={`health-${health.crm}`} className="card">
          <h2 id={`health-${health.crm}`}>{crmNames[health.crm] ?? health.crm} write-backs</h2>
          <CrmWriteHealth health={health} />
        </section>
      ))}
    </PortalShell>
  );
}

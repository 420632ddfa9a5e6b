import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { clientInfo } from "~/app/audit/audit.server";
import { getDatabase } from "~/app/db.server";
import { requireAction, requirePermission } from "~/app/ops/guard.server";
import { OpsShell } from "~/app/ops/layout";
import { respond } from "~/app/ops/outcome.server";
import {
  loadMerchantPage,
  merchantIntent,
  type MerchantActionData,
} from "~/app/ops/merchant-page.server";
import { ApiKeysSection, CrmSection, DetailsSection, StatusSection } from "~/app/ops/merchant-view";
import { MerchantNotFoundError } from "~/app/ops/merchants.server";
import { RevokeKeyStep } from "~/app/ui/confirm-step";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data?.merchant.name ?? "Merchant"} — FlowOps` },
];

/** A new API key is in this page once: never cache it. */
export const headers = () => ({ "Cache-Control": "no-store" });

/** Refusals (4xx) reload the page too: it should show what is there now. */
export { revalidateAfterPosts as shouldRevalidate } from "~/app/ops/revalidate";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { operator } = await requirePermission(request, "read:merchant");
  try {
    const url = new URL(request.url);
    return await loadMerchantPage(await getDatabase(), operator, params.merchantId ?? "", url);
  } catch (error) {
    if (error instanceof MerchantNotFoundError) throw new Response("Not Found", { status: 404 });
    throw error;
  }
}

export async function action({ request, params }: ActionFunctionArgs) {
  const outcome = await merchantIntent({
    database: await getDatabase(),
    merchantId: params.merchantId ?? "",
    form: await request.formData(),
    authorize: async (permission) => {
      const { operator, sessionId } = await requireAction(request, permission);
      const actor = {
        actorType: "operator" as const,
        actorId: operator.id,
        ...clientInfo(request),
      };
      return { actor, sessionId };
    },
  });
  return respond(outcome);
}

export default function MerchantDetail() {
  const loaded = useLoaderData<typeof loader>();
  const actionData = useActionData<MerchantActionData>();
  const busy = useNavigation().state === "submitting";
  const props = { loaded, actionData, busy };
  return (
    <OpsShell
      operator={loaded.operator}
      title={loaded.merchant.name}
      notice={loaded.notice}
      error={actionData?.error}
    >
      <p>
        <Link to="/ops/merchants">← All merchants</Link>
      </p>
      {actionData?.confirmRevoke ? (
        <RevokeKeyStep
          {...actionData.confirmRevoke}
          intent="revoke-key"
          cancelTo={`/ops/merchants/${loaded.merchant.id}`}
        />
      ) : null}
      <StatusSection {...props} />
      <DetailsSection {...props} />
      <ApiKeysSection {...props} />
      <CrmSection {...props} />
    </OpsShell>
  );
}

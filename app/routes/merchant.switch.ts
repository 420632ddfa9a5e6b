import type { ActionFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { getDatabase } from "~/app/db.server";
import { notFound, requirePortalAction } from "~/app/merchant/guard.server";
import { switchMerchant } from "~/app/merchant/session.server";

/** The organization switcher: another of the user's merchants (any other id: 404). */
export async function action({ request }: ActionFunctionArgs) {
  const context = await requirePortalAction(request, "read:overview");
  const merchantId = String((await request.formData()).get("merchantId") ?? "");
  if (!(await switchMerchant(await getDatabase(), context, merchantId))) notFound();
  return redirect("/merchant");
}

export const loader = () => redirect("/merchant");

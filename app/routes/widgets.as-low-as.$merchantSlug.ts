import type { LoaderFunctionArgs } from "@remix-run/node";
import {
  activeMerchantBySlug,
  asLowAsForMerchant,
  parseAmountCents,
} from "~/app/crm/as-low-as.server";
import { widgetHeaders, widgetHtml, widgetMessageHtml } from "~/app/crm/as-low-as-widget.server";
import { getDatabase } from "~/app/db.server";

/** GET /widgets/as-low-as/{merchant_slug}?amount_cents=… — the embeddable "as low as" price. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const answer = (status: number, html: string) =>
    new Response(html, { status, headers: widgetHeaders(status) });
  const database = await getDatabase();
  const merchant = await activeMerchantBySlug(database, params.merchantSlug ?? "");
  if (!merchant) return answer(404, widgetMessageHtml("Financing is not available here."));
  const amount = parseAmountCents(new URL(request.url).searchParams.get("amount_cents"));
  if (!amount.ok) return answer(400, widgetMessageHtml(amount.message));
  const outcome = await asLowAsForMerchant(database, merchant, amount.cents);
  if (!outcome)
    return answer(503, widgetMessageHtml("Financing prices are not available right now."));
  return answer(200, widgetHtml(merchant.name, outcome));
}

import type { LoaderFunctionArgs } from "@remix-run/node";
import { getDatabase } from "~/app/db.server";
import { notFound, requirePortal } from "~/app/merchant/guard.server";
import { statementDownload } from "~/app/merchant/payouts.server";

/**
 * GET /merchant/statements/{YYYY-MM}.csv and .pdf: the signed-in merchant's monthly statement
 * (docs/product/merchants-and-money.md, "The merchant portal"; ADR 057) — owner and manager.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const context = await requirePortal(request, "read:payouts");
  const file = await statementDownload(await getDatabase(), context.scope, params.file ?? "");
  if (!file) notFound();
  return new Response(typeof file.body === "string" ? file.body : new Uint8Array(file.body), {
    headers: {
      "Content-Type": file.type,
      "Content-Disposition": `attachment; filename="${file.filename}"`,
      "Cache-Control": "private, no-store",
    },
  });
}

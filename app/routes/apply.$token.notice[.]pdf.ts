import type { LoaderFunctionArgs } from "@remix-run/node";
import { resolveLink } from "~/app/borrower/links.server";
import { adverseActionNoticePdf } from "~/app/borrower/notice-pdf.server";
import { getDatabase } from "~/app/db.server";

/**
 * The adverse action notice as a PDF, downloadable from the declined page (docs/product/lending.md "More on
 * consent"): the copy that was sent when there is one, else the same notice rendered now.
 */
export async function loader({ params }: LoaderFunctionArgs) {
  const database = await getDatabase();
  const link = await resolveLink(database, params.token ?? "");
  if (link.kind === "expired") return new Response("This link has expired.", { status: 410 });
  if (link.kind !== "ok") return new Response("Not found.", { status: 404 });
  const pdf = await adverseActionNoticePdf(database, link.application.id);
  if (!pdf) return new Response("Not found.", { status: 404 });
  return new Response(new Uint8Array(pdf.bytes), {
    headers: {
      "Content-Type": "application/pdf",
      "Content-Disposition": `attachment; filename="flowpay-notice-of-action-${link.application.id}.pdf"`,
      "Cache-Control": "no-store",
      "X-Content-SHA256": pdf.sha256,
    },
  });
}

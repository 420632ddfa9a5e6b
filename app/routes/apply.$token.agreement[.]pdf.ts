import type { LoaderFunctionArgs } from "@remix-run/node";
import { latestDocument } from "~/app/borrower/documents.server";
import { resolveLink } from "~/app/borrower/links.server";
import { getDatabase } from "~/app/db.server";

/** The signed agreement PDF, downloadable while the borrower's link is valid. */
export async function loader({ params }: LoaderFunctionArgs) {
  const database = await getDatabase();
  const link = await resolveLink(database, params.token ?? "");
  if (link.kind === "expired") return new Response("This link has expired.", { status: 410 });
  if (link.kind !== "ok") return new Response("Not found.", { status: 404 });
  const doc = await latestDocument(database, link.application.id, "agreement");
  if (!doc) return new Response("Not found.", { status: 404 });
  return new Response(new Uint8Array(doc.bytes), {
    headers: {
      "Content-Type": "application/pdf",
      "Content-Disposition": `attachment; filename="flowpay-loan-agreement-${link.application.id}.pdf"`,
      "Cache-Control": "no-store",
      "X-Content-SHA256": doc.sha256,
    },
  });
}

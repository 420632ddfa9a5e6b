import type { LoaderFunctionArgs } from "@remix-run/node";
import { resolveLink } from "~/app/borrower/links.server";
import { ensureScoreNoticePdf } from "~/app/decisioning/score-notice.server";
import { getDatabase } from "~/app/db.server";

/** The credit score disclosure (H-3) kept with the application, downloadable from its link. */
export async function loader({ params }: LoaderFunctionArgs) {
  const database = await getDatabase();
  const link = await resolveLink(database, params.token ?? "");
  if (link.kind === "expired") return new Response("This link has expired.", { status: 410 });
  if (link.kind !== "ok") return new Response("Not found.", { status: 404 });
  const pdf = await ensureScoreNoticePdf(database, link.application.id);
  if (!pdf) return new Response("Not found.", { status: 404 });
  return new Response(new Uint8Array(pdf.bytes), {
    headers: {
      "Content-Type": "application/pdf",
      "Content-Disposition": `attachment; filename="flowpay-credit-score-notice-${link.application.id}.pdf"`,
      "Cache-Control": "no-store",
      "X-Content-SHA256": pdf.sha256,
    },
  });
}

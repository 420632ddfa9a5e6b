import type { LoaderFunctionArgs } from "@remix-run/node";
import { clientInfo } from "~/app/audit/audit.server";
import { getDatabase } from "~/app/db.server";
import { requirePermission } from "~/app/ops/guard.server";
import { openInfoDocument } from "~/app/ops/info-requests.server";

/**
 * The document a borrower sent with an answer to an information request (ADR 076): decrypted,
 * served as a download with its checked type (never inline: a file from outside is untrusted),
 * and audited — as a funding condition's document is.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const { operator } = await requirePermission(request, "read:review");
  const file = await openInfoDocument(await getDatabase(), {
    reviewId: params.reviewId ?? "",
    requestId: params.requestId ?? "",
    operatorId: operator.id,
    client: clientInfo(request),
  });
  if (!file) throw new Response("Not Found", { status: 404 });
  return new Response(new Uint8Array(file.bytes), {
    headers: {
      "Content-Type": file.contentType,
      "Content-Disposition": `attachment; filename="${file.fileName.replace(/"/g, "")}"`,
      "Cache-Control": "private, no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
}

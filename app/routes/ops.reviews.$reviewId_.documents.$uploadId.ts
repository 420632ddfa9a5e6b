import type { LoaderFunctionArgs } from "@remix-run/node";
import { clientInfo } from "~/app/audit/audit.server";
import { decryptUpload } from "~/app/borrower/uploads.server";
import { getDatabase } from "~/app/db.server";
import { readUploadForOperator } from "~/app/lending/conditions.server";
import { requirePermission } from "~/app/ops/guard.server";
import { reviewApplication } from "~/app/ops/reviews.server";

/**
 * A borrower's condition document for FlowOps: decrypted, served as a download with its checked
 * type (never rendered inline: a PDF from outside is untrusted), and audited.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const { operator } = await requirePermission(request, "read:review");
  const database = await getDatabase();
  const app = await reviewApplication(database, params.reviewId ?? "");
  if (!app) throw new Response("Not Found", { status: 404 });
  const upload = await readUploadForOperator(database, {
    uploadId: params.uploadId ?? "",
    applicationId: app.applicationId,
    operatorId: operator.id,
    client: clientInfo(request),
  });
  if (!upload) throw new Response("Not Found", { status: 404 });
  return new Response(new Uint8Array(decryptUpload(upload.bytesEnc)), {
    headers: {
      "Content-Type": upload.contentType,
      "Content-Disposition": `attachment; filename="${upload.fileName.replace(/"/g, "")}"`,
      "Cache-Control": "private, no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
}

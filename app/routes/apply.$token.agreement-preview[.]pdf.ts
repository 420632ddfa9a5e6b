import type { LoaderFunctionArgs } from "@remix-run/node";
import { loadJourney } from "~/app/borrower/context.server";
import { agreementPreviewPdf } from "~/app/borrower/agreement-preview.server";

/**
 * The agreement of the chosen offer as a PDF to read and keep before signing (issue 17: the
 * sign page's long text is collapsed, its PDF one tap away). Unsigned; the signed copy is
 * agreement.pdf.
 */
export async function loader({ params, request }: LoaderFunctionArgs) {
  const j = await loadJourney(params.token, "sign");
  const offerId = new URL(request.url).searchParams.get("offer") ?? "";
  const pdf = await agreementPreviewPdf(j, offerId, new Date());
  if (!pdf) return new Response("Not found.", { status: 404 });
  return new Response(new Uint8Array(pdf), {
    headers: {
      "Content-Type": "application/pdf",
      "Content-Disposition": `attachment; filename="flowpay-loan-agreement-to-sign-${j.application.id}.pdf"`,
      "Cache-Control": "no-store",
    },
  });
}

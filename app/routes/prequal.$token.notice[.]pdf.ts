import type { LoaderFunctionArgs } from "@remix-run/node";
import { prequalNoticePdf } from "~/app/prequal/result.server";

/** "Not prequalified": the adverse action notice as a PDF, as from an application's declined page. */
export async function loader({ params }: LoaderFunctionArgs) {
  const pdf = await prequalNoticePdf(params.token);
  if (!pdf) return new Response("Not found.", { status: 404 });
  return new Response(new Uint8Array(pdf.bytes), {
    headers: {
      "Content-Type": "application/pdf",
      "Content-Disposition": `attachment; filename="flowpay-notice-of-action-${pdf.id}.pdf"`,
      "Cache-Control": "no-store",
    },
  });
}

import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { loadJourney } from "~/borrower/context.server";
import { BorrowerShell } from "~/borrower/ui";

export async function loader({ params }: LoaderFunctionArgs) {
  const j = await loadJourney(params.token, "closed");
  return { merchant: j.merchant.name, status: j.application.status };
}

export default function Closed() {
  const d = useLoaderData<typeof loader>();
  return (
    <BorrowerShell merchantName={d.merchant} title="This application is closed">
      <p>
        {d.status === "canceled"
          ? `${d.merchant} canceled this financing request.`
          : "This application expired before it was finished."}{" "}
        If you still want financing, ask {d.merchant} to send you a new link.
      </p>
    </BorrowerShell>
  );
}

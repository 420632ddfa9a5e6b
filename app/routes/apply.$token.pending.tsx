import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { loadJourney } from "~/app/borrower/context.server";
import { BorrowerShell } from "~/app/borrower/ui";

/**
 * Only a decision slower than the ~2 s the submit waits for lands here (issue 17). Refreshes itself
 * every second without JavaScript; the loader sends the borrower on once decided.
 */
export const meta: MetaFunction = () => [
  { title: "Checking your offers — FlowPay" },
  { httpEquiv: "refresh", content: "1" },
];

export async function loader({ params }: LoaderFunctionArgs) {
  const j = await loadJourney(params.token, "pending");
  return { merchant: j.merchant.name };
}

export default function Pending() {
  const d = useLoaderData<typeof loader>();
  return (
    <BorrowerShell merchantName={d.merchant} title="Checking your offers…">
      <div className="card" role="status" aria-live="polite">
        <p>This usually takes a few seconds. This page updates by itself.</p>
        <p className="muted">You can also close it: we'll text you when your decision is ready.</p>
      </div>
    </BorrowerShell>
  );
}

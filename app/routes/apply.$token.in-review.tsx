import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { loadJourney } from "~/app/borrower/context.server";
import { BorrowerShell } from "~/app/borrower/ui";

export async function loader({ params }: LoaderFunctionArgs) {
  const j = await loadJourney(params.token, "in-review");
  return { merchant: j.merchant.name };
}

export default function InReview() {
  const d = useLoaderData<typeof loader>();
  return (
    <BorrowerShell merchantName={d.merchant} title="A specialist is reviewing your application">
      <div className="card">
        <h2>What happens next</h2>
        <ol>
          <li>A FlowPay underwriter looks at your application, usually within one business day.</li>
          <li>We may call you to confirm a detail.</li>
          <li>
            We'll text you as soon as there is a decision. If you're approved, this link shows your
            offers.
          </li>
        </ol>
        <p className="muted">
          You don't need to do anything now, and this doesn't affect your credit score.
        </p>
      </div>
    </BorrowerShell>
  );
}

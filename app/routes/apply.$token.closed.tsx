import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { closedMessage, closedReasonOf } from "~/app/borrower/closed";
import { loadJourney } from "~/app/borrower/context.server";
import { BorrowerShell } from "~/app/borrower/ui";

export async function loader({ params }: LoaderFunctionArgs) {
  const j = await loadJourney(params.token, "closed");
  return { merchant: j.merchant.name, message: closedMessage(closedReasonOf(j.application)) };
}

/** An application the borrower can still open but not continue: says what really happened. */
export default function Closed() {
  const d = useLoaderData<typeof loader>();
  return (
    <BorrowerShell merchantName={d.merchant} title={d.message.title}>
      {d.message.paragraphs.map((paragraph) => (
        <p key={paragraph}>{paragraph}</p>
      ))}
    </BorrowerShell>
  );
}

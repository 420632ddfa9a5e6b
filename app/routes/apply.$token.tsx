import type { MetaFunction } from "@remix-run/node";
import { Outlet, isRouteErrorResponse, useRouteError } from "@remix-run/react";
import { closedMessage, closedReasons, type ClosedReason } from "~/app/borrower/closed";
import { BorrowerShell } from "~/app/borrower/ui";

export const meta: MetaFunction = () => [
  { title: "Apply for financing — FlowPay" },
  { name: "robots", content: "noindex" },
  { name: "referrer", content: "same-origin" },
];

/**
 * Borrower pages never go to a shared cache. (Their Referrer-Policy, `same-origin` so the URL —
 * a bearer token — never reaches another site, is set with the other security headers in
 * app/security/headers.server.ts: one place, so it is sent once.)
 */
export const headers = () => ({ "Cache-Control": "no-store" });

export default function ApplyLayout() {
  return <Outlet />;
}

/** Unknown (404) and expired (410) links: friendly, and without any application data. */
export function ErrorBoundary() {
  const error = useRouteError();
  const status = isRouteErrorResponse(error) ? error.status : 500;
  if (status === 410) {
    // What really happened: expired, canceled, superseded or replaced (app/borrower/closed.ts).
    const reason = isRouteErrorResponse(error)
      ? (error.data as { reason?: unknown })?.reason
      : null;
    const message = closedMessage(
      closedReasons.includes(reason as ClosedReason) ? (reason as ClosedReason) : "expired",
    );
    return (
      <BorrowerShell title={message.title}>
        {message.paragraphs.map((paragraph) => (
          <p key={paragraph}>{paragraph}</p>
        ))}
      </BorrowerShell>
    );
  }
  if (status === 404) {
    return (
      <BorrowerShell title="We can't find that application">
        <p>
          This link isn't valid. Check that it was copied whole from your text message from FlowPay,
          or ask the business that sent it for a new one.
        </p>
      </BorrowerShell>
    );
  }
  if (status === 429) {
    return (
      <BorrowerShell title="Please slow down">
        <p>Too many attempts in a short time. Wait a minute, then try again.</p>
      </BorrowerShell>
    );
  }
  return (
    <BorrowerShell title="Something went wrong">
      <p>Please try again in a moment. Nothing you entered has been lost.</p>
    </BorrowerShell>
  );
}

import type { MetaFunction } from "@remix-run/node";
import { Outlet, isRouteErrorResponse, useRouteError } from "@remix-run/react";
import { BorrowerShell } from "~/borrower/ui";

export const meta: MetaFunction = () => [
  { title: "Apply for financing — FlowPay" },
  { name: "robots", content: "noindex" },
  { name: "referrer", content: "same-origin" },
];

/**
 * Borrower pages never go to a shared cache, and the URL (a bearer token) is never sent as a
 * referrer to another site. ("no-referrer" would also blank the Origin of our own form posts,
 * which Remix then refuses as cross-site.)
 */
export const headers = () => ({ "Cache-Control": "no-store", "Referrer-Policy": "same-origin" });

export default function ApplyLayout() {
  return <Outlet />;
}

/** Unknown (404) and expired (410) links: friendly, and without any application data. */
export function ErrorBoundary() {
  const error = useRouteError();
  const status = isRouteErrorResponse(error) ? error.status : 500;
  if (status === 410) {
    return (
      <BorrowerShell title="This link has expired">
        <p>For your security, application links work for 24 hours.</p>
        <p>Ask the business that sent it to send you a new link — it only takes them a moment.</p>
      </BorrowerShell>
    );
  }
  if (status === 404) {
    return (
      <BorrowerShell title="We can't find that application">
        <p>
          This link isn't valid. It may have been replaced by a newer one — check your latest text
          message from FlowPay.
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

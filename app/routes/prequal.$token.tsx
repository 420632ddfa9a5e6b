import type { MetaFunction } from "@remix-run/node";
import { Outlet, isRouteErrorResponse, useRouteError } from "@remix-run/react";
import { BorrowerShell } from "~/app/borrower/ui";

export const meta: MetaFunction = () => [
  { title: "See if you prequalify — FlowPay" },
  { name: "robots", content: "noindex" },
  { name: "referrer", content: "same-origin" },
];

/** The link is a bearer token: never in a shared cache. */
export const headers = () => ({ "Cache-Control": "no-store" });

export default function PrequalLayout() {
  return <Outlet />;
}

/** Unknown (404) and expired (410) links: friendly, and without any data. */
export function ErrorBoundary() {
  const error = useRouteError();
  const status = isRouteErrorResponse(error) ? error.status : 500;
  const [title, text] =
    status === 410
      ? [
          "This link has expired",
          "Ask the business that sent it for a new one. Nothing you entered is lost.",
        ]
      : status === 404
        ? [
            "We can't find that link",
            "Check that it was copied whole from your text message from FlowPay, or ask the business for a new one.",
          ]
        : status === 429
          ? [
              "Please slow down",
              "Too many attempts in a short time. Wait a minute, then try again.",
            ]
          : ["Something went wrong", "Please try again in a moment."];
  return (
    <BorrowerShell title={title}>
      <p>{text}</p>
    </BorrowerShell>
  );
}

import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { clientInfo } from "~/app/audit/audit.server";
import { getDatabase } from "~/app/db.server";
import { safePortalNext } from "~/app/merchant/redirects";
import { sessionCookieHeader } from "~/app/merchant/session.server";
import { consumeSignInLink } from "~/app/merchant/sign-in.server";
import { requireSameOrigin } from "~/app/ops/guard.server";

export const meta: MetaFunction = () => [{ title: "Sign in — FlowPay merchant portal" }];

export const headers = () => ({ "Cache-Control": "no-store" });

/**
 * The page a sign-in e-mail links to. Opening it spends nothing: it shows one button, and the
 * POST of that button spends the token (so a mail scanner fetching the link cannot use it up).
 * The token travels as `?token=` here and in the POST body, never in a logged path (ADR 059).
 */
export async function loader({ request }: LoaderFunctionArgs) {
  const url = new URL(request.url);
  return {
    token: url.searchParams.get("token") ?? "",
    next: safePortalNext(url.searchParams.get("next"), url.origin),
  };
}

export async function action({ request }: ActionFunctionArgs) {
  requireSameOrigin(request);
  const url = new URL(request.url);
  const form = await request.formData();
  const token = String(form.get("token") ?? "");
  const next = safePortalNext(String(form.get("next") ?? ""), url.origin);
  const signedIn = await consumeSignInLink(await getDatabase(), token, clientInfo(request));
  if (!signedIn) return { error: true };
  const headers = { "Set-Cookie": await sessionCookieHeader(signedIn.sessionId) };
  if (signedIn.needsTotp) {
    return redirect(`/merchant/verify?next=${encodeURIComponent(next)}`, { headers });
  }
  return redirect(next, { headers });
}

export default function MerchantLink() {
  const { token, next } = useLoaderData<typeof loader>();
  const failed = useActionData<typeof action>()?.error;
  const busy = useNavigation().state !== "idle";
  if (failed || !token) {
    return (
      <main className="page narrow">
        <h1>This sign-in link no longer works</h1>
        <p role="alert" className="error">
          Sign-in links work once, for 15 minutes. This one has expired, was already used, or is
          incomplete.
        </p>
        <p>
          <Link to="/merchant/login">Ask for a new sign-in link</Link>
        </p>
      </main>
    );
  }
  return (
    <main className="page narrow">
      <h1>Sign in to the merchant portal</h1>
      <Form method="post" className="card">
        <input type="hidden" name="token" value={token} />
        <input type="hidden" name="next" value={next} />
        <p>Continue to sign in with the link we e-mailed you.</p>
        <button type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </Form>
    </main>
  );
}

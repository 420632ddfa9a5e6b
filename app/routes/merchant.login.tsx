import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { clientInfo } from "~/app/audit/audit.server";
import { getDatabase } from "~/app/db.server";
import { signInRequestSchema } from "~/app/merchant/forms";
import { safePortalNext } from "~/app/merchant/redirects";
import { lookupPortalSession } from "~/app/merchant/session.server";
import { requestSignInLink } from "~/app/merchant/sign-in.server";
import { requireSameOrigin } from "~/app/ops/guard.server";
import { FormAlert, FormNotice, SignInEmailField } from "~/app/ui/fields";

export const meta: MetaFunction = () => [{ title: "Sign in — FlowPay merchant portal" }];

const notices: Record<string, string> = {
  expired: "Your session expired. Sign in again to continue.",
  ended: "You have been signed out. Sign in again to continue.",
  link: "That sign-in link has expired or was already used. Ask for a new one below.",
};

export async function loader({ request }: LoaderFunctionArgs) {
  const found = await lookupPortalSession(request);
  if (found.state === "live" && found.session.verified) throw redirect("/merchant");
  const reason = new URL(request.url).searchParams.get("reason");
  return { notice: (reason && notices[reason]) || null };
}

/**
 * The same answer whether or not the address belongs to a portal user (ADR 059): "check your
 * e-mail". Only the throttle (per address, per IP) answers differently, for any address alike.
 */
export async function action({ request }: ActionFunctionArgs) {
  requireSameOrigin(request);
  const url = new URL(request.url);
  const next = safePortalNext(url.searchParams.get("next"), url.origin);
  const parsed = signInRequestSchema.safeParse(Object.fromEntries(await request.formData()));
  if (!parsed.success) return { sent: false, error: parsed.error.issues[0]!.message };
  const outcome = await requestSignInLink(
    await getDatabase(),
    parsed.data.email,
    clientInfo(request),
    next,
  );
  if (outcome === "throttled") {
    return {
      sent: false,
      error: "Too many sign-in links were asked for. Wait 15 minutes, then try again.",
    };
  }
  return { sent: true, error: null };
}

export default function MerchantLogin() {
  const { notice } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  return (
    <main className="page narrow">
      <h1>Sign in to the merchant portal</h1>
      {data?.sent ? (
        <div className="card" role="status">
          <p>
            <strong>Check your e-mail.</strong> If that address belongs to a merchant portal user,
            we have sent it a sign-in link. The link works once, for 15 minutes.
          </p>
        </div>
      ) : (
        <Form method="post" className="card">
          <FormAlert message={data?.error} />
          {data?.error ? null : <FormNotice message={notice} />}
          <SignInEmailField />
          <p className="muted small">We e-mail you a link that signs you in. No password.</p>
          <button type="submit" disabled={busy}>
            {busy ? "Sending…" : "E-mail me a sign-in link"}
          </button>
        </Form>
      )}
    </main>
  );
}

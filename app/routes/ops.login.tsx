import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { clientInfo } from "~/app/audit/audit.server";
import { getDatabase } from "~/app/db.server";
import { requireSameOrigin } from "~/app/ops/guard.server";
import { lockedMessage } from "~/app/ops/lockout";
import { authenticator, LoginError } from "~/app/ops/login.server";
import { nextFrom } from "~/app/ops/redirects";
import { readSession, startSession } from "~/app/ops/session.server";
import { FormNotice, SignInEmailField } from "~/app/ui/fields";

export const meta: MetaFunction = () => [{ title: "Sign in — FlowOps" }];

const notices: Record<string, string> = {
  expired: "Your session expired. Sign in again to continue.",
  ended: "You have been signed out. Sign in again to continue.",
};

export async function loader({ request }: LoaderFunctionArgs) {
  const session = await readSession(request);
  if (session?.mfaVerified) throw redirect("/ops");
  const params = new URL(request.url).searchParams;
  const reason = params.get("reason");
  if (reason === "locked") {
    const minutes = Math.min(60, Math.max(1, Number(params.get("minutes")) || 1));
    return { notice: null, locked: lockedMessage(minutes * 60_000) };
  }
  return { notice: (reason && notices[reason]) || null, locked: null };
}

export async function action({ request }: ActionFunctionArgs) {
  // Login CSRF: a foreign page must not sign a browser in (to an attacker's account).
  requireSameOrigin(request);
  const next = nextFrom(request);
  try {
    const { operatorId, mfaEnrolled } = await authenticator.authenticate("password", request);
    const setCookie = await startSession(await getDatabase(), operatorId, clientInfo(request));
    const step = mfaEnrolled ? "/ops/verify" : "/ops/enroll";
    return redirect(`${step}?next=${encodeURIComponent(next)}`, {
      headers: { "Set-Cookie": setCookie },
    });
  } catch (error) {
    if (error instanceof LoginError) return { error: error.message };
    throw error;
  }
}

export default function Login() {
  const { notice, locked } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const error = data?.error ?? locked;
  const busy = useNavigation().state !== "idle";
  return (
    <main className="page narrow">
      <h1>Sign in to FlowOps</h1>
      <Form method="post" className="card" aria-describedby={error ? "login-error" : undefined}>
        {error ? (
          <p id="login-error" className="error" role="alert">
            {error}
          </p>
        ) : (
          <FormNotice message={notice} />
        )}
        <SignInEmailField />
        <label htmlFor="password">Password</label>
        <input
          id="password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
        />
        <button type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Continue"}
        </button>
      </Form>
    </main>
  );
}

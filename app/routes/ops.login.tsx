import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, useActionData, useNavigation } from "@remix-run/react";
import { clientInfo } from "~/audit/audit.server";
import { getDatabase } from "~/db.server";
import { authenticator, LoginError } from "~/ops/login.server";
import { readSession, startSession } from "~/ops/session.server";
import { safeNext } from "~/ops/redirects";

export const meta: MetaFunction = () => [{ title: "Sign in — FlowOps" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const session = await readSession(request);
  if (session?.mfaVerified) throw redirect("/ops");
  return null;
}

export async function action({ request }: ActionFunctionArgs) {
  const next = safeNext(new URL(request.url).searchParams.get("next"));
  try {
    const { operatorId } = await authenticator.authenticate("password", request);
    const setCookie = await startSession(await getDatabase(), operatorId, clientInfo(request));
    return redirect(`/ops/verify?next=${encodeURIComponent(next)}`, {
      headers: { "Set-Cookie": setCookie },
    });
  } catch (error) {
    if (error instanceof LoginError) return { error: error.message };
    throw error;
  }
}

export default function Login() {
  const data = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  return (
    <main className="page narrow">
      <h1>Sign in to FlowOps</h1>
      <Form
        method="post"
        className="card"
        aria-describedby={data?.error ? "login-error" : undefined}
      >
        {data?.error ? (
          <p id="login-error" className="error" role="alert">
            {data.error}
          </p>
        ) : null}
        <label htmlFor="email">Work e-mail</label>
        <input id="email" name="email" type="email" autoComplete="username" required />
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

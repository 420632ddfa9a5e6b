import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, useActionData, useNavigation } from "@remix-run/react";
import { clientInfo } from "~/audit/audit.server";
import { getDatabase } from "~/db.server";
import { checkTotp, totpSchema } from "~/ops/login.server";
import { safeNext } from "~/ops/redirects";
import { markMfaVerified, readSession } from "~/ops/session.server";

export const meta: MetaFunction = () => [{ title: "Verification code — FlowOps" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const session = await readSession(request);
  if (!session) throw redirect("/ops/login");
  if (session.mfaVerified) throw redirect("/ops");
  return null;
}

export async function action({ request }: ActionFunctionArgs) {
  const session = await readSession(request);
  if (!session) throw redirect("/ops/login");
  const parsed = totpSchema.safeParse(Object.fromEntries(await request.formData()));
  if (!parsed.success) return { error: parsed.error.issues[0]!.message };
  const database = await getDatabase();
  const ok = await checkTotp(database, session.operator.id, parsed.data.code, clientInfo(request));
  if (!ok)
    return { error: "That code isn't right. Codes change every 30 seconds — try the current one." };
  await markMfaVerified(database, session.sessionId);
  return redirect(safeNext(new URL(request.url).searchParams.get("next")));
}

export default function Verify() {
  const data = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  return (
    <main className="page narrow">
      <h1>Enter your verification code</h1>
      <Form method="post" className="card">
        {data?.error ? (
          <p className="error" role="alert">
            {data.error}
          </p>
        ) : null}
        <label htmlFor="code">6-digit code from your authenticator app</label>
        <input
          id="code"
          name="code"
          inputMode="numeric"
          autoComplete="one-time-code"
          pattern="[0-9]{6}"
          maxLength={6}
          required
        />
        <button type="submit" disabled={busy}>
          {busy ? "Checking…" : "Sign in"}
        </button>
      </Form>
    </main>
  );
}

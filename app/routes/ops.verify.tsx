import { parseWithZod } from "@conform-to/zod/v4";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, useActionData, useNavigation } from "@remix-run/react";
import { clientInfo } from "~/app/audit/audit.server";
import { getDatabase } from "~/app/db.server";
import { firstError, postedIntent } from "~/app/ops/form-schemas.server";
import { requireSameOrigin } from "~/app/ops/guard.server";
import { lockedLoginUrl } from "~/app/ops/lockout";
import {
  recoveryCodeSchema,
  totpSchema,
  verifySecondFactor,
  type SecondFactor,
} from "~/app/ops/login.server";
import { nextFrom } from "~/app/ops/redirects";
import { clearSessionCookie, lookupSession } from "~/app/ops/session.server";
import { TotpCodeForm } from "~/app/ui/totp";

export const meta: MetaFunction = () => [{ title: "Verification code — FlowOps" }];

/** The pending (password-only) session, or the way out of this page. */
async function pendingSession(request: Request) {
  const found = await lookupSession(request);
  if (found.state === "ended") throw redirect(`/ops/login?reason=${found.reason}`);
  if (found.state === "none") throw redirect("/ops/login");
  const { session } = found;
  const next = nextFrom(request);
  if (session.mfaVerified) throw redirect(next);
  if (!session.operator.totpEnabledAt) {
    throw redirect(`/ops/enroll?next=${encodeURIComponent(next)}`);
  }
  return { session, next };
}

export async function loader({ request }: LoaderFunctionArgs) {
  await pendingSession(request);
  return null;
}

export async function action({ request }: ActionFunctionArgs) {
  requireSameOrigin(request);
  const { session, next } = await pendingSession(request);
  const formData = await request.formData();
  // The "Use a recovery code" button posts intent=recovery; the code form posts no intent.
  // disableAutoCoercion: an empty code reaches the schema as "", which says what to enter.
  const options = { disableAutoCoercion: true } as const;
  let factor: SecondFactor;
  if (postedIntent(formData) === "recovery") {
    const parsed = parseWithZod(formData, { schema: recoveryCodeSchema, ...options });
    if (parsed.status !== "success") return { error: firstError(parsed.error) };
    factor = { kind: "recovery_code", code: parsed.value.recoveryCode };
  } else {
    const parsed = parseWithZod(formData, { schema: totpSchema, ...options });
    if (parsed.status !== "success") return { error: firstError(parsed.error) };
    factor = { kind: "totp", code: parsed.value.code };
  }
  const result = await verifySecondFactor(
    await getDatabase(),
    { sessionId: session.sessionId, operatorId: session.operator.id },
    factor,
    clientInfo(request),
  );
  if (result.ok) return redirect(next);
  if (result.locked) {
    // The lock ended this password-only session: the next attempt starts from the password.
    throw redirect(lockedLoginUrl(result.remainingMs), {
      headers: { "Set-Cookie": await clearSessionCookie() },
    });
  }
  if (result.reused) {
    return {
      error:
        "That code has already been used. Wait for the next code from your app (they change every 30 seconds).",
    };
  }
  return {
    error:
      factor.kind === "totp"
        ? "That code isn't right. Codes change every 30 seconds — try the current one."
        : "That recovery code isn't right, or it has already been used.",
  };
}

export default function Verify() {
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  return (
    <main className="page narrow">
      <h1>Enter your verification code</h1>
      <TotpCodeForm error={result?.error} intent="totp" submitLabel="Sign in" />
      <details className="card ops-recovery">
        <summary>Lost your authenticator? Use a recovery code</summary>
        <Form method="post">
          <input type="hidden" name="intent" value="recovery" />
          <label htmlFor="recoveryCode">Recovery code</label>
          <input
            id="recoveryCode"
            name="recoveryCode"
            autoComplete="off"
            autoCapitalize="none"
            spellCheck={false}
            required
          />
          <p className="muted small">Each recovery code works once.</p>
          <button type="submit" className="secondary" disabled={busy}>
            Use recovery code
          </button>
        </Form>
      </details>
    </main>
  );
}

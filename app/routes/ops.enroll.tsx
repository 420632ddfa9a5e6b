import { parseWithZod } from "@conform-to/zod/v4";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Link, useActionData, useLoaderData } from "@remix-run/react";
import { clientInfo } from "~/app/audit/audit.server";
import { getDatabase } from "~/app/db.server";
import { confirmEnrollment, enrollmentView } from "~/app/ops/enrollment.server";
import { requireSameOrigin } from "~/app/ops/guard.server";
import { lockedLoginUrl } from "~/app/ops/lockout";
import { firstError } from "~/app/ops/form-schemas.server";
import { totpSchema } from "~/app/ops/login.server";
import { nextFrom } from "~/app/ops/redirects";
import { clearSessionCookie, lookupSession } from "~/app/ops/session.server";
import { TotpCodeForm, TotpEnrollmentCard } from "~/app/ui/totp";

export const meta: MetaFunction = () => [{ title: "Set up your authenticator — FlowOps" }];

/**
 * First sign-in of an operator without TOTP: after the password step, scan a QR code (or type
 * the secret), confirm with a code, and see the recovery codes once. Works without JavaScript.
 */
async function enrollingSession(request: Request) {
  const found = await lookupSession(request);
  if (found.state === "ended") throw redirect(`/ops/login?reason=${found.reason}`);
  if (found.state === "none") throw redirect("/ops/login");
  const next = nextFrom(request);
  return { session: found.session, next };
}

export async function loader({ request }: LoaderFunctionArgs) {
  const { session, next } = await enrollingSession(request);
  // Right after confirming (the POST renders the recovery codes) the session is signed in.
  if (session.mfaVerified) return { next, enrollment: null };
  if (session.operator.totpEnabledAt) {
    throw redirect(`/ops/verify?next=${encodeURIComponent(next)}`);
  }
  const view = await enrollmentView(await getDatabase(), session.operator);
  if (!view) throw redirect(`/ops/verify?next=${encodeURIComponent(next)}`);
  return { next, enrollment: { secret: view.secret, qrCode: view.qrCode } };
}

export async function action({ request }: ActionFunctionArgs) {
  requireSameOrigin(request);
  const { session, next } = await enrollingSession(request);
  if (session.mfaVerified || session.operator.totpEnabledAt) {
    throw redirect(`/ops/verify?next=${encodeURIComponent(next)}`);
  }
  const parsed = parseWithZod(await request.formData(), {
    schema: totpSchema,
    // An empty code reaches the schema as "", which says what to enter.
    disableAutoCoercion: true,
  });
  if (parsed.status !== "success") return { error: firstError(parsed.error), recoveryCodes: null };
  const result = await confirmEnrollment(
    await getDatabase(),
    { sessionId: session.sessionId, operatorId: session.operator.id },
    parsed.value.code,
    clientInfo(request),
  );
  if (result.ok) return { error: null, recoveryCodes: result.recoveryCodes };
  if (result.locked) {
    throw redirect(lockedLoginUrl(result.remainingMs), {
      headers: { "Set-Cookie": await clearSessionCookie() },
    });
  }
  return {
    error:
      "That code isn't right. Check that the app shows FlowPay Ops and enter its current code.",
    recoveryCodes: null,
  };
}

export default function Enroll() {
  const { next, enrollment } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();

  if (result?.recoveryCodes) {
    return (
      <main className="page narrow">
        <h1>Save your recovery codes</h1>
        <div className="card">
          <p role="status">Your authenticator app is set up.</p>
          <p>
            If you lose your phone, each of these codes signs you in once instead of a 6-digit code.{" "}
            <strong>They are shown only this once</strong>: keep them somewhere safe, such as your
            password manager.
          </p>
          <ol className="ops-codes" aria-label="Recovery codes">
            {result.recoveryCodes.map((code) => (
              <li key={code}>
                <code>{code}</code>
              </li>
            ))}
          </ol>
          <p>
            <Link className="button" to={next}>
              I have saved them — continue to FlowOps
            </Link>
          </p>
        </div>
      </main>
    );
  }

  if (!enrollment) {
    return (
      <main className="page narrow">
        <h1>Your authenticator is set up</h1>
        <p>
          <Link to={next}>Continue to FlowOps</Link>
        </p>
      </main>
    );
  }

  return (
    <main className="page narrow">
      <h1>Set up your authenticator app</h1>
      <TotpEnrollmentCard
        enrollment={enrollment}
        intro="Every FlowOps sign-in needs a code from an authenticator app (such as 1Password, Google Authenticator or Microsoft Authenticator). Scan this QR code with the app:"
        qrAlt="QR code for adding FlowPay Ops to your authenticator app"
        keyPrompt="Or enter this key in the app by hand (time-based, 6 digits):"
        secretLabel="Setup key"
      />
      <TotpCodeForm error={result?.error} heading="Confirm" submitLabel="Confirm and continue" />
    </main>
  );
}

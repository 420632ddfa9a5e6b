import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { useActionData } from "@remix-run/react";
import { clientInfo } from "~/app/audit/audit.server";
import { getDatabase } from "~/app/db.server";
import { safePortalNext } from "~/app/merchant/redirects";
import { clearPortalCookie, lookupPortalSession } from "~/app/merchant/session.server";
import { verifyPortalCode } from "~/app/merchant/totp.server";
import { requireSameOrigin } from "~/app/ops/guard.server";
import { totpSchema } from "~/app/ops/login.server";
import { TotpCodeForm } from "~/app/ui/totp";

export const meta: MetaFunction = () => [{ title: "Verification code — FlowPay merchant portal" }];

/** The TOTP step after a sign-in link, for users who turned TOTP on. */
async function pendingSession(request: Request) {
  const found = await lookupPortalSession(request);
  if (found.state === "live" && found.session.verified) throw redirect("/merchant");
  if (found.state !== "live") throw redirect("/merchant/login?reason=expired");
  return found.session;
}

export async function loader({ request }: LoaderFunctionArgs) {
  await pendingSession(request);
  return null;
}

export async function action({ request }: ActionFunctionArgs) {
  requireSameOrigin(request);
  const session = await pendingSession(request);
  const url = new URL(request.url);
  const next = safePortalNext(url.searchParams.get("next"), url.origin);
  const parsed = totpSchema.safeParse(Object.fromEntries(await request.formData()));
  if (!parsed.success) return { error: parsed.error.issues[0]!.message };
  const result = await verifyPortalCode(
    await getDatabase(),
    { sessionId: session.sessionId, userId: session.user.id },
    parsed.data.code,
    clientInfo(request),
  );
  if (result === "ok") return redirect(next);
  if (result === "ended") {
    return redirect("/merchant/login?reason=ended", {
      headers: { "Set-Cookie": await clearPortalCookie() },
    });
  }
  return { error: "That code is not right, or was already used. Try the next one." };
}

export default function MerchantVerify() {
  const data = useActionData<typeof action>();
  return (
    <main className="page narrow">
      <h1>Enter your verification code</h1>
      <TotpCodeForm error={data?.error} submitLabel="Sign in" />
    </main>
  );
}

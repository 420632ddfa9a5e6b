import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { getDatabase } from "~/app/db.server";
import { requirePortal, requirePortalAction } from "~/app/merchant/guard.server";
import { PortalShell, shellUser } from "~/app/merchant/layout";
import { confirmPortalTotp, portalEnrollment } from "~/app/merchant/totp.server";
import { totpSchema } from "~/app/ops/login.server";
import { TotpCodeForm, TotpEnrollmentCard } from "~/app/ui/totp";

export const meta: MetaFunction = () => [{ title: "Security — FlowPay merchant portal" }];

/** Optional TOTP: once on, every sign-in link also asks for a code from the authenticator app. */
export async function loader({ request }: LoaderFunctionArgs) {
  const context = await requirePortal(request, "read:overview");
  const enrollment = context.user.totpEnabled
    ? null
    : await portalEnrollment(await getDatabase(), context.user);
  return { user: shellUser(context), enabled: context.user.totpEnabled, enrollment };
}

export async function action({ request }: ActionFunctionArgs) {
  const context = await requirePortalAction(request, "read:overview");
  const parsed = totpSchema.safeParse(Object.fromEntries(await request.formData()));
  if (!parsed.success) return { error: parsed.error.issues[0]!.message, enabled: false };
  const ok = await confirmPortalTotp(
    await getDatabase(),
    context.user.id,
    parsed.data.code,
    context.client,
  );
  return ok
    ? { error: null, enabled: true }
    : { error: "That code isn't right. Enter the app's current code.", enabled: false };
}

export default function MerchantSecurity() {
  const { user, enabled, enrollment } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  if (enabled || result?.enabled || !enrollment) {
    return (
      <PortalShell user={user} title="Security" notice={result?.enabled ? "TOTP is on." : null}>
        <p>
          Two-step sign-in is on: after the e-mailed link, the portal asks for a code from your
          authenticator app.
        </p>
      </PortalShell>
    );
  }
  return (
    <PortalShell user={user} title="Security">
      <TotpEnrollmentCard
        enrollment={enrollment}
        heading="Two-step sign-in (optional)"
        intro="Add a code from an authenticator app to every sign-in. Scan this QR code with the app:"
        qrAlt="QR code for adding the FlowPay merchant portal to your authenticator app"
        keyPrompt="Or enter this key by hand (time-based, 6 digits):"
      />
      <TotpCodeForm error={result?.error} submitLabel="Turn on two-step sign-in" />
    </PortalShell>
  );
}

import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { getDatabase } from "~/app/db.server";
import { inviteSchema, roleChangeSchema } from "~/app/merchant/forms";
import { notFound, requirePortal, requirePortalAction } from "~/app/merchant/guard.server";
import { PortalShell, shellUser } from "~/app/merchant/layout";
import { merchantRoleLabels, merchantRoles } from "~/app/merchant/permissions";
import { changeMemberRole, inviteMerchantUser, removeMember } from "~/app/merchant/users.server";
import { When } from "~/app/ops/layout";
import { DataTable } from "~/app/ops/page-ui";
import { IntentButton } from "~/app/ui/intent-button";

export const meta: MetaFunction = () => [{ title: "Team — FlowPay merchant portal" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const context = await requirePortal(request, "manage:team");
  const team = await context.scope.team((await getDatabase()).db);
  return {
    user: shellUser(context),
    me: context.user.id,
    team: team.map((m) => ({
      membershipId: m.membershipId,
      userId: m.userId,
      email: m.email,
      name: m.name,
      role: m.role,
      totp: m.totpEnabledAt !== null,
      lastLoginAt: m.lastLoginAt?.toISOString() ?? null,
    })),
  };
}

const lastOwner = "A merchant always keeps an owner: make someone else owner first.";

export async function action({ request }: ActionFunctionArgs) {
  const context = await requirePortalAction(request, "manage:team");
  const database = await getDatabase();
  const form = Object.fromEntries(await request.formData());
  const actor = { userId: context.user.id, ...context.client };
  if (form.intent === "invite") {
    const parsed = inviteSchema.safeParse(form);
    if (!parsed.success) return { error: parsed.error.issues[0]!.message, notice: null };
    const result = await inviteMerchantUser(database, {
      merchantId: context.scope.merchantId,
      email: parsed.data.email,
      role: parsed.data.role,
      name: parsed.data.name || null,
      invitedBy: context.user.id,
      client: context.client,
    });
    return result.alreadyMember
      ? { error: `${parsed.data.email} is already on the team.`, notice: null }
      : { error: null, notice: `Invited ${parsed.data.email}: we e-mailed them a sign-in link.` };
  }
  const membershipId = String(form.membershipId ?? "");
  // An id of another merchant's membership is not found — before anything else is looked at.
  if (!(await context.scope.membership(database.db, membershipId))) notFound();
  if (form.intent === "role") {
    const parsed = roleChangeSchema.safeParse(form);
    if (!parsed.success) return { error: parsed.error.issues[0]!.message, notice: null };
    const outcome = await changeMemberRole(
      database,
      context.scope.merchantId,
      membershipId,
      parsed.data.role,
      actor,
    );
    if (outcome === "not_found") notFound();
    return outcome === "last_owner"
      ? { error: lastOwner, notice: null }
      : { error: null, notice: "Role changed." };
  }
  if (form.intent === "remove") {
    const outcome = await removeMember(database, context.scope.merchantId, membershipId, actor);
    if (outcome === "not_found") notFound();
    return outcome === "last_owner"
      ? { error: lastOwner, notice: null }
      : { error: null, notice: "Removed from the team." };
  }
  throw new Response("Bad Request", { status: 400 });
}

export default function MerchantTeam() {
  const { user, me, team } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  return (
    <PortalShell user={user} title="Team" notice={data?.notice} error={data?.error}>
      <DataTable caption="Team members" columns={["Member", "Role", "Last sign-in", "Remove"]}>
        {team.map((m) => (
          <tr key={m.membershipId}>
            <td>
              {m.name ? `${m.name} · ` : null}
              {m.email}
              {m.userId === me ? " (you)" : null}
              {m.totp ? " · TOTP on" : null}
            </td>
            <td>
              <Form method="post" className="inline-form">
                <input type="hidden" name="membershipId" value={m.membershipId} />
                <label htmlFor={`role-${m.membershipId}`} className="visually-hidden">
                  Role of {m.email}
                </label>
                <select id={`role-${m.membershipId}`} name="role" defaultValue={m.role}>
                  {merchantRoles.map((role) => (
                    <option key={role} value={role}>
                      {merchantRoleLabels[role]}
                    </option>
                  ))}
                </select>{" "}
                <IntentButton intent="role" className="small-button" disabled={busy}>
                  Change role<span className="visually-hidden"> of {m.email}</span>
                </IntentButton>
              </Form>
            </td>
            <td>
              <When iso={m.lastLoginAt} />
            </td>
            <td>
              <Form method="post" className="inline-form">
                <input type="hidden" name="membershipId" value={m.membershipId} />
                <IntentButton intent="remove" className="small-button secondary" disabled={busy}>
                  Remove<span className="visually-hidden"> {m.email}</span>
                </IntentButton>
              </Form>
            </td>
          </tr>
        ))}
      </DataTable>

      <section aria-labelledby="invite-heading">
        <h2 id="invite-heading">Invite someone</h2>
        <Form method="post" className="card narrow-form">
          <label htmlFor="invite-email">E-mail</label>
          <input id="invite-email" name="email" type="email" autoComplete="off" required />
          <label htmlFor="invite-name">Name (optional)</label>
          <input id="invite-name" name="name" autoComplete="off" maxLength={100} />
          <label htmlFor="invite-role">Role</label>
          <select id="invite-role" name="role" defaultValue="staff">
            {merchantRoles.map((role) => (
              <option key={role} value={role}>
                {merchantRoleLabels[role]}
              </option>
            ))}
          </select>
          <p className="muted small">
            Owners manage the team; owners and managers manage API keys and see the CRM connection;
            everyone follows applications and sends links. We e-mail the person a sign-in link.
          </p>
          <IntentButton intent="invite" disabled={busy}>
            Send invitation
          </IntentButton>
        </Form>
      </section>
    </PortalShell>
  );
}

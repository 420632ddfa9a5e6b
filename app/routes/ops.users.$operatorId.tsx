import { parseWithZod } from "@conform-to/zod/v4";
import {
  data,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
} from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { clientInfo } from "~/app/audit/audit.server";
import { getDatabase } from "~/app/db.server";
import { utcText } from "~/app/ops/audit-log.server";
import { operatorIntentSchema } from "~/app/ops/form-schemas.server";
import { requireAction, requirePermission } from "~/app/ops/guard.server";
import { OpsShell } from "~/app/ops/layout";
import { can, operatorRoles, roleLabels } from "~/app/ops/permissions";
import {
  changeRole,
  getOperator,
  resetMfa,
  revokeSessions,
  setStatus,
  unlock,
  UserChangeError,
} from "~/app/ops/users.server";
import { Section } from "~/app/ops/page-ui";
import { IntentButton } from "~/app/ui/intent-button";

export const meta: MetaFunction = ({ data }) => [
  { title: `${(data as { user?: { name: string } } | undefined)?.user?.name ?? "User"} — FlowOps` },
];

function operatorIdParam(params: Record<string, string | undefined>) {
  const id = params.operatorId;
  if (!id || id.length > 64) throw new Response("Not Found", { status: 404 });
  return id;
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { operator } = await requirePermission(request, "read:user");
  const user = await getOperator(await getDatabase(), operatorIdParam(params));
  if (!user) throw new Response("Not Found", { status: 404 });
  return {
    operator: { name: operator.name, email: operator.email, role: operator.role },
    canManage: can(operator.role, "manage:user"),
    isSelf: user.id === operator.id,
    user: {
      id: user.id,
      email: user.email,
      name: user.name,
      role: user.role,
      status: user.status,
      mfaEnrolled: user.mfaEnrolled,
      recoveryCodesLeft: user.recoveryCodesLeft,
      locked: user.locked,
      lastLogin: utcText(user.lastLoginAt),
      created: utcText(user.createdAt),
      activeSessions: user.activeSessions,
    },
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { operator } = await requireAction(request, "manage:user");
  const targetId = operatorIdParam(params);
  const submission = parseWithZod(await request.formData(), { schema: operatorIntentSchema });
  if (submission.status !== "success") {
    return data({ ok: false, message: "That change isn't possible." }, { status: 422 });
  }
  const change = submission.value;
  const database = await getDatabase();
  const actor = { operatorId: operator.id, ...clientInfo(request) };
  const ended = (n: number) => (n === 1 ? "1 session ended" : `${n} sessions ended`);
  try {
    switch (change.intent) {
      case "role": {
        const { sessionsRevoked } = await changeRole(database, targetId, change.role, actor);
        return {
          ok: true,
          message: `Role changed to ${roleLabels[change.role]} (${ended(sessionsRevoked)}).`,
        };
      }
      case "reset-mfa": {
        const { sessionsRevoked } = await resetMfa(database, targetId, actor);
        return {
          ok: true,
          message: `MFA reset: the operator sets up a new authenticator at next sign-in (${ended(sessionsRevoked)}).`,
        };
      }
      case "deactivate": {
        const { sessionsRevoked } = await setStatus(database, targetId, "deactivated", actor);
        return { ok: true, message: `Operator deactivated (${ended(sessionsRevoked)}).` };
      }
      case "reactivate":
        await setStatus(database, targetId, "active", actor);
        return { ok: true, message: "Operator reactivated." };
      case "revoke-sessions": {
        const { sessionsRevoked } = await revokeSessions(database, targetId, actor);
        return { ok: true, message: `Sessions revoked (${ended(sessionsRevoked)}).` };
      }
      case "unlock":
        await unlock(database, targetId, actor);
        return { ok: true, message: "Sign-in lockout lifted." };
    }
  } catch (error) {
    if (error instanceof UserChangeError) {
      return data({ ok: false, message: error.message }, { status: error.status });
    }
    throw error;
  }
}

export default function UserDetail() {
  const { operator, canManage, isSelf, user } = useLoaderData<typeof loader>();
  const result = useActionData<{ ok: boolean; message: string }>();
  const busy = useNavigation().state !== "idle";
  return (
    <OpsShell operator={operator} title={user.name}>
      <p>
        <Link to="/ops/users">← All users</Link>
      </p>
      {result ? (
        <p className={result.ok ? "ops-notice" : "error"} role={result.ok ? "status" : "alert"}>
          {result.message}
        </p>
      ) : null}
      <dl className="facts card ops-user-facts">
        <div>
          <dt>E-mail</dt>
          <dd>{user.email}</dd>
        </div>
        <div>
          <dt>Role</dt>
          <dd>{roleLabels[user.role]}</dd>
        </div>
        <div>
          <dt>Status</dt>
          <dd>
            {user.status === "active" ? "Active" : "Deactivated"}
            {user.locked ? " · locked after failed sign-ins" : ""}
          </dd>
        </div>
        <div>
          <dt>MFA</dt>
          <dd>
            {user.mfaEnrolled
              ? `Enrolled (${user.recoveryCodesLeft} recovery codes left)`
              : "Not enrolled: sets up an authenticator at next sign-in"}
          </dd>
        </div>
        <div>
          <dt>Last sign-in</dt>
          <dd>{user.lastLogin ?? "Never"}</dd>
        </div>
        <div>
          <dt>Active sessions</dt>
          <dd>{user.activeSessions}</dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd>{user.created}</dd>
        </div>
      </dl>
      <p>
        <Link to={`/ops/audit?entityType=operator&entityId=${encodeURIComponent(user.id)}`}>
          Audit records about this operator
        </Link>
      </p>

      {canManage ? (
        <Section id="manage-heading" title="Manage" plain>
          {isSelf ? (
            <p className="muted">
              You can't change your own role or deactivate yourself: ask another admin.
            </p>
          ) : (
            <Form method="post" className="card">
              <input type="hidden" name="intent" value="role" />
              <label htmlFor="role">Role</label>
              <select id="role" name="role" defaultValue={user.role}>
                {operatorRoles.map((role) => (
                  <option key={role} value={role}>
                    {roleLabels[role]}
                  </option>
                ))}
              </select>
              <p className="muted small">Changing the role ends the operator's sessions.</p>
              <button type="submit" disabled={busy}>
                Change role
              </button>
            </Form>
          )}
          <div className="card ops-actions">
            {user.locked ? (
              <Form method="post">
                <IntentButton intent="unlock" disabled={busy}>
                  Unlock sign-in
                </IntentButton>
              </Form>
            ) : null}
            <Form method="post">
              <IntentButton intent="revoke-sessions" className="secondary" disabled={busy}>
                Revoke sessions
              </IntentButton>
            </Form>
            <Form method="post">
              <IntentButton intent="reset-mfa" className="secondary" disabled={busy}>
                Reset MFA
              </IntentButton>
            </Form>
            {isSelf ? null : user.status === "active" ? (
              <Form method="post">
                <IntentButton intent="deactivate" className="danger" disabled={busy}>
                  Deactivate
                </IntentButton>
              </Form>
            ) : (
              <Form method="post">
                <IntentButton intent="reactivate" disabled={busy}>
                  Reactivate
                </IntentButton>
              </Form>
            )}
          </div>
        </Section>
      ) : null}
    </OpsShell>
  );
}

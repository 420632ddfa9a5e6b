import { getFormProps, useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod/v4";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { clientInfo } from "~/app/audit/audit.server";
import { getDatabase } from "~/app/db.server";
import { firstError, inviteSchema } from "~/app/ops/form-schemas.server";
import { LabelledField } from "~/app/ui/fields";
import { requireAction, requirePermission } from "~/app/ops/guard.server";
import { OpsShell } from "~/app/ops/layout";
import { DuplicateError, inviteOperator } from "~/app/ops/operators.server";
import { operatorRoles, roleLabels } from "~/app/ops/permissions";
import { FormAlert } from "~/app/ui/fields";

export const meta: MetaFunction = () => [{ title: "Invite an operator — FlowOps" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { operator } = await requirePermission(request, "manage:user");
  return { operator: { name: operator.name, email: operator.email, role: operator.role } };
}

export async function action({ request }: ActionFunctionArgs) {
  const { operator } = await requireAction(request, "manage:user");
  const submission = parseWithZod(await request.formData(), { schema: inviteSchema });
  if (submission.status !== "success") {
    return { result: submission.reply(), error: firstError(submission.error), created: null };
  }
  try {
    const created = await inviteOperator(await getDatabase(), {
      ...submission.value,
      actor: { actorType: "operator", actorId: operator.id, ...clientInfo(request) },
    });
    return {
      result: submission.reply({ resetForm: true }),
      error: null,
      created: { id: created.id, email: created.email, password: created.password },
    };
  } catch (error) {
    if (error instanceof DuplicateError) {
      const message = "An operator with that e-mail already exists.";
      return {
        result: submission.reply({ fieldErrors: { email: [message] } }),
        error: message,
        created: null,
      };
    }
    throw error;
  }
}

export default function InviteOperator() {
  const { operator } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const [form, fields] = useForm<{ email: string; name: string; role: string }>({
    lastResult: result?.result,
    defaultValue: { role: "support" },
  });
  if (result?.created) {
    const { created } = result;
    return (
      <OpsShell operator={operator} title="Operator invited">
        <div className="card" role="status">
          <p>
            <strong>{created.email}</strong> can now sign in with this temporary password. At their
            first sign-in they set up an authenticator app.
          </p>
          <p>
            Temporary password: <code data-testid="temporary-password">{created.password}</code>
          </p>
          <p className="error">
            This password is shown only once. Hand it over through a separate, secure channel.
          </p>
        </div>
        <p>
          <Link to={`/ops/users/${created.id}`}>View {created.email}</Link> ·{" "}
          <Link to="/ops/users">Back to users</Link>
        </p>
      </OpsShell>
    );
  }
  return (
    <OpsShell operator={operator} title="Invite an operator">
      <Form method="post" className="card" {...getFormProps(form)}>
        <FormAlert message={result?.error} />
        <LabelledField field={fields.email} label="Work e-mail">
          {(props) => <input {...props} type="email" autoComplete="off" required />}
        </LabelledField>
        <LabelledField field={fields.name} label="Name">
          {(props) => <input {...props} autoComplete="off" required maxLength={100} />}
        </LabelledField>
        <label htmlFor="role">Role</label>
        <select id="role" name={fields.role.name} required defaultValue="support">
          {operatorRoles.map((role) => (
            <option key={role} value={role}>
              {roleLabels[role]}
            </option>
          ))}
        </select>
        <p className="muted small">
          A temporary password is generated and shown once. The operator enrolls their own
          authenticator app at first sign-in.
        </p>
        <button type="submit" disabled={busy}>
          {busy ? "Inviting…" : "Invite operator"}
        </button>
      </Form>
      <p>
        <Link to="/ops/users">Back to users</Link>
      </p>
    </OpsShell>
  );
}

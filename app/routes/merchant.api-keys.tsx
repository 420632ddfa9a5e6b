import { getFormProps, useForm, type SubmissionResult } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod/v4";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { createApiKey, revokeApiKey, rotateApiKey } from "~/app/crm/api-keys.server";
import { getDatabase } from "~/app/db.server";
import { notFound, requirePortal, requirePortalAction } from "~/app/merchant/guard.server";
import { PortalShell, shellUser } from "~/app/merchant/layout";
import { When } from "~/app/ops/layout";
import { DataTable } from "~/app/ops/page-ui";
import { RevokeKeyStep, type RevokeConfirmation } from "~/app/ui/confirm-step";
import { FieldError } from "~/app/ui/fields";
import { IntentButton } from "~/app/ui/intent-button";

export const meta: MetaFunction = () => [{ title: "API keys — FlowPay merchant portal" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const context = await requirePortal(request, "manage:api_key");
  const keys = await context.scope.apiKeys((await getDatabase()).db);
  const now = Date.now();
  return {
    user: shellUser(context),
    keys: keys.map((k) => ({
      id: k.id,
      name: k.name,
      mode: k.mode,
      prefix: k.displayPrefix,
      expiresAt: k.expiresAt.toISOString(),
      lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
      state: k.revokedAt ? "revoked" : k.expiresAt.getTime() <= now ? "expired" : "active",
    })),
  };
}

type KeysAnswer = {
  result?: SubmissionResult<string[]>;
  error: string | null;
  created: { key: string; note: string } | null;
  confirm: RevokeConfirmation | null;
};

const keyIntentSchema = z.discriminatedUnion("intent", [
  z.object({
    intent: z.literal("create"),
    name: z
      .string({ error: "Name the key (e.g. the CRM it is for)" })
      .trim()
      .min(1, "Name the key (e.g. the CRM it is for)")
      .max(60, "Keep the name under 60 characters"),
    mode: z.enum(["test", "live"], { error: "Choose test or live" }),
  }),
  z.object({ intent: z.literal("rotate"), keyId: z.string().max(64) }),
  z.object({
    intent: z.literal("revoke"),
    keyId: z.string().max(64),
    confirm: z.literal("yes").optional(),
  }),
]);

/**
 * Create, rotate (the old key works 24 more hours) and revoke: app/crm/api-keys.server.ts.
 * Revoking asks first (issue 18): the first post answers with what will happen, a second with
 * confirm=yes revokes.
 */
export async function action({ request }: ActionFunctionArgs) {
  const context = await requirePortalAction(request, "manage:api_key");
  const database = await getDatabase();
  const submission = parseWithZod(await request.formData(), { schema: keyIntentSchema });
  if (submission.status !== "success") {
    if (!submission.error || submission.error.intent || submission.error.keyId) {
      throw new Response("Bad Request", { status: 400 });
    }
    return data(
      {
        result: submission.reply(),
        error: "The key was not created",
        created: null,
        confirm: null,
      },
      { status: 422 },
    );
  }
  const form = submission.value;
  const actor = {
    actorType: "merchant_user" as const,
    actorId: context.user.id,
    ...context.client,
  };
  const none: KeysAnswer = { error: null, created: null, confirm: null };
  if (form.intent === "create") {
    const created = await createApiKey(database, {
      merchantSlug: context.merchant.slug,
      mode: form.mode,
      name: form.name,
      actor,
    });
    return { ...none, created: { key: created.key, note: "New key" } };
  }
  const { keyId } = form;
  if (!(await context.scope.ownsApiKey(database.db, keyId))) notFound();
  if (form.intent === "rotate") {
    const rotated = await rotateApiKey(database, keyId, { actor });
    return {
      ...none,
      created: {
        key: rotated.key,
        note: `Replacement key (the old one works until ${rotated.oldKeyExpiresAt.toISOString().slice(0, 16).replace("T", " ")} UTC)`,
      },
    };
  }
  if (form.confirm !== "yes") {
    const key = (await context.scope.apiKeys(database.db)).find((k) => k.id === keyId)!;
    return {
      ...none,
      confirm: {
        keyId,
        prefix: key.displayPrefix,
        name: key.name,
        mode: key.mode,
        lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
      },
    };
  }
  await revokeApiKey(database, keyId, actor);
  return none;
}

export default function MerchantApiKeys() {
  const { user, keys } = useLoaderData<typeof loader>();
  const answer = useActionData<KeysAnswer>();
  const busy = useNavigation().state !== "idle";
  const [form, fields] = useForm<{ name: string; mode: string }>({
    lastResult: answer?.result,
    shouldValidate: "onSubmit",
  });
  return (
    <PortalShell user={user} title="API keys" error={answer?.error}>
      {answer?.confirm ? (
        <RevokeKeyStep {...answer.confirm} intent="revoke" cancelTo="/merchant/api-keys" />
      ) : null}
      {answer?.created ? (
        <div className="card new-key" role="status">
          <p>
            <strong>{answer.created.note}:</strong>{" "}
            <code data-testid="new-api-key">{answer.created.key}</code>
          </p>
          <p className="error">Copy it now: it is shown only once.</p>
        </div>
      ) : null}
      <DataTable
        caption="API keys"
        columns={["Key", "Mode", "State", "Expires", "Last used", "Actions"]}
      >
        {keys.map((k) => (
          <tr key={k.id}>
            <td>
              {k.name} · <code>{k.prefix}…</code>
            </td>
            <td>{k.mode}</td>
            <td>{k.state}</td>
            <td>
              <When iso={k.expiresAt} />
            </td>
            <td>
              <When iso={k.lastUsedAt} />
            </td>
            <td>
              {k.state === "active" ? (
                <Form method="post" className="inline-form">
                  <input type="hidden" name="keyId" value={k.id} />
                  <IntentButton intent="rotate" className="small-button" disabled={busy}>
                    Rotate<span className="visually-hidden"> {k.prefix}</span>
                  </IntentButton>{" "}
                  <IntentButton intent="revoke" className="small-button secondary" disabled={busy}>
                    Revoke<span className="visually-hidden"> {k.prefix}</span>
                  </IntentButton>
                </Form>
              ) : null}
            </td>
          </tr>
        ))}
      </DataTable>
      <section aria-labelledby="new-key-heading">
        <h2 id="new-key-heading">New key</h2>
        <Form method="post" className="card narrow-form" {...getFormProps(form)}>
          <label htmlFor="key-name">Name</label>
          <input
            id="key-name"
            name={fields.name.name}
            required
            maxLength={60}
            autoComplete="off"
            aria-invalid={fields.name.errors ? true : undefined}
            aria-describedby={fields.name.errors ? fields.name.errorId : undefined}
          />
          <FieldError id={fields.name.errorId} errors={fields.name.errors} />
          <label htmlFor="key-mode">Mode</label>
          <select id="key-mode" name={fields.mode.name} defaultValue="test">
            <option value="test">Test</option>
            <option value="live">Live</option>
          </select>
          <IntentButton intent="create" disabled={busy}>
            Create key
          </IntentButton>
        </Form>
      </section>
    </PortalShell>
  );
}

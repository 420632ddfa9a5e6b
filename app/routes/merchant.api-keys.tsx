import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { createApiKey, revokeApiKey, rotateApiKey } from "~/app/crm/api-keys.server";
import { getDatabase } from "~/app/db.server";
import { notFound, requirePortal, requirePortalAction } from "~/app/merchant/guard.server";
import { PortalShell, shellUser } from "~/app/merchant/layout";
import { When } from "~/app/ops/layout";
import { DataTable } from "~/app/ops/page-ui";
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

const createSchema = z.object({
  name: z.string().trim().min(1, "Name the key (e.g. the CRM it is for)").max(60),
  mode: z.enum(["test", "live"]),
});

/** Create, rotate (the old key works 24 more hours) and revoke: app/crm/api-keys.server.ts. */
export async function action({ request }: ActionFunctionArgs) {
  const context = await requirePortalAction(request, "manage:api_key");
  const database = await getDatabase();
  const form = Object.fromEntries(await request.formData());
  const actor = {
    actorType: "merchant_user" as const,
    actorId: context.user.id,
    ...context.client,
  };
  if (form.intent === "create") {
    const parsed = createSchema.safeParse(form);
    if (!parsed.success) return { error: parsed.error.issues[0]!.message, created: null };
    const created = await createApiKey(database, {
      merchantSlug: context.merchant.slug,
      mode: parsed.data.mode,
      name: parsed.data.name,
      actor,
    });
    return { error: null, created: { key: created.key, note: "New key" } };
  }
  const keyId = String(form.keyId ?? "");
  if (!(await context.scope.ownsApiKey(database.db, keyId))) notFound();
  if (form.intent === "rotate") {
    const rotated = await rotateApiKey(database, keyId, { actor });
    return {
      error: null,
      created: {
        key: rotated.key,
        note: `Replacement key (the old one works until ${rotated.oldKeyExpiresAt.toISOString().slice(0, 16).replace("T", " ")} UTC)`,
      },
    };
  }
  if (form.intent === "revoke") {
    await revokeApiKey(database, keyId, actor);
    return { error: null, created: null };
  }
  throw new Response("Bad Request", { status: 400 });
}

export default function MerchantApiKeys() {
  const { user, keys } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  return (
    <PortalShell user={user} title="API keys" error={data?.error}>
      {data?.created ? (
        <div className="card new-key" role="status">
          <p>
            <strong>{data.created.note}:</strong>{" "}
            <code data-testid="new-api-key">{data.created.key}</code>
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
        <Form method="post" className="card narrow-form">
          <label htmlFor="key-name">Name</label>
          <input id="key-name" name="name" required maxLength={60} autoComplete="off" />
          <label htmlFor="key-mode">Mode</label>
          <select id="key-mode" name="mode" defaultValue="test">
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

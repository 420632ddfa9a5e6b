import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { clientInfo } from "~/audit/audit.server";
import { isProduction } from "~/config/env.server";
import { getDatabase } from "~/db.server";
import { centsToDollarInput, formatMoney } from "~/money/dollars";
import { requireAction, requirePermission } from "~/ops/guard.server";
import { OpsShell, When } from "~/ops/layout";
import {
  basisPointsToPercent,
  parseMerchantForm,
  type MerchantFormField,
} from "~/ops/merchants-form";
import { MerchantFields } from "~/ops/merchants-ui";
import {
  apiKeyLimits,
  connectionCircuit,
  connectMerchantFieldRoutes,
  createMerchantApiKey,
  disconnectMerchantCrm,
  getMerchant,
  merchantPlans,
  oauthCrms,
  MerchantNotFoundError,
  revokeMerchantApiKey,
  rotateMerchantApiKey,
  parseFieldRoutesForm,
  setMerchantStatus,
  startMerchantOAuth,
  updateMerchant,
  verifyMerchantCrm,
} from "~/ops/merchants.server";
import { can } from "~/ops/permissions";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data?.merchant.name ?? "Merchant"} — FlowOps` },
];

/** A new API key is in this page once: never cache it. */
export const headers = () => ({ "Cache-Control": "no-store" });

const notices: Record<string, string> = {
  created: "Merchant created.",
  updated: "Changes saved.",
  unchanged: "Nothing to change.",
  suspended: "Merchant suspended: its API keys are refused (403) until it is reactivated.",
  reactivated: "Merchant reactivated.",
  revoked: "API key revoked: it is refused from now on.",
  "crm-connected":
    "FieldRoutes connected: the test call succeeded and the credentials are stored encrypted.",
  "crm-verified": "The CRM connection works.",
  "crm-disconnected": "CRM disconnected: its credentials are erased.",
};

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { operator } = await requirePermission(request, "read:merchant");
  const database = await getDatabase();
  let found;
  try {
    found = await getMerchant(database, params.merchantId ?? "");
  } catch (error) {
    if (error instanceof MerchantNotFoundError) throw new Response("Not Found", { status: 404 });
    throw error;
  }
  const { merchant, keys, connections } = found;
  const now = Date.now();
  const url = new URL(request.url);
  const done = url.searchParams.get("done") ?? "";
  // Where the OAuth callback (api.v1.crm.fieldroutes.callback) sends the operator back to.
  const oauth = url.searchParams.get("oauth");
  const oauthCrm = (url.searchParams.get("crm") ?? "").replace(/[^a-z0-9_]/g, "").slice(0, 40);
  const oauthNotice =
    oauth === "connected"
      ? `${oauthCrm} connected: its tokens are stored encrypted.`
      : oauth === "denied"
        ? `The ${oauthCrm} authorization was declined: nothing was connected.`
        : oauth === "failed"
          ? `The ${oauthCrm} authorization failed (the code could not be exchanged): start again.`
          : null;
  return {
    operator: { name: operator.name, email: operator.email, role: operator.role },
    can: {
      edit: can(operator.role, "edit:merchant"),
      keys: can(operator.role, "manage:api_key"),
      crm: can(operator.role, "manage:crm_connection"),
    },
    notice: notices[done] ?? oauthNotice,
    plans: await merchantPlans(database),
    merchant: {
      id: merchant.id,
      name: merchant.name,
      slug: merchant.slug,
      status: merchant.status,
      minAmountCents: merchant.minAmountCents,
      maxAmountCents: merchant.maxAmountCents,
      pricingPlan: merchant.pricingPlan,
      merchantFeeBps: merchant.merchantFeeBps,
      accountLast4: merchant.disbursementAccountLast4,
      createdAt: merchant.createdAt.toISOString(),
    },
    keys: keys.map((key) => ({
      id: key.id,
      name: key.name,
      mode: key.mode,
      prefix: key.displayPrefix,
      createdAt: key.createdAt.toISOString(),
      expiresAt: key.expiresAt.toISOString(),
      lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
      revokedAt: key.revokedAt?.toISOString() ?? null,
      rotatedFrom: key.rotatedFromId
        ? (keys.find((k) => k.id === key.rotatedFromId)?.displayPrefix ?? key.rotatedFromId)
        : null,
      state: key.revokedAt
        ? ("revoked" as const)
        : key.expiresAt.getTime() <= now
          ? ("expired" as const)
          : ("active" as const),
    })),
    sandboxAllowed: !isProduction(),
    oauth: oauthCrms(),
    connections: connections.map((connection) => ({
      id: connection.id,
      circuit: connection.status === "disconnected" ? null : connectionCircuit(connection.id),
      crm: connection.crm,
      authKind: connection.authKind,
      status: connection.status,
      subdomain: connection.subdomain,
      officeId: connection.officeId,
      verifiedAt: connection.verifiedAt?.toISOString() ?? null,
      tokenExpiresAt: connection.tokenExpiresAt?.toISOString() ?? null,
      lastError: connection.lastError,
    })),
  };
}

type ActionData = {
  error?: string;
  crmError?: string;
  crmValues?: { subdomain: string; officeId: string };
  formErrors?: Partial<Record<MerchantFormField, string>>;
  values?: Partial<Record<MerchantFormField, string>>;
  keyError?: string;
  /** The whole key, shown in this one answer. */
  createdKey?: {
    key: string;
    prefix: string;
    mode: string;
    expiresAt: string;
    rotated?: { oldPrefix: string; oldKeyExpiresAt: string };
  };
};

function integerIn(value: FormDataEntryValue | null, min: number, max: number) {
  const text = typeof value === "string" ? value.trim() : "";
  if (!/^\d{1,4}$/.test(text)) return null;
  const number = Number(text);
  return number >= min && number <= max ? number : null;
}

export async function action({ request, params }: ActionFunctionArgs) {
  const merchantId = params.merchantId ?? "";
  const formData = await request.formData();
  const intent = String(formData.get("intent") ?? "");
  const database = await getDatabase();
  const base = `/ops/merchants/${merchantId}`;
  try {
    if (intent === "update") {
      const { operator } = await requireAction(request, "edit:merchant");
      const parsed = parseMerchantForm(formData, {
        mode: "update",
        plans: await merchantPlans(database),
      });
      if (!parsed.ok) {
        return { formErrors: parsed.errors, values: parsed.values } satisfies ActionData;
      }
      const { changed } = await updateMerchant(database, {
        merchantId,
        value: parsed.value,
        actor: { actorType: "operator", actorId: operator.id, ...clientInfo(request) },
      });
      return redirect(`${base}?done=${changed.length > 0 ? "updated" : "unchanged"}`);
    }
    if (intent === "suspend" || intent === "reactivate") {
      const { operator } = await requireAction(request, "edit:merchant");
      await setMerchantStatus(database, {
        merchantId,
        status: intent === "suspend" ? "suspended" : "active",
        actor: { actorType: "operator", actorId: operator.id, ...clientInfo(request) },
      });
      return redirect(`${base}?done=${intent === "suspend" ? "suspended" : "reactivated"}`);
    }
    if (intent === "create-key") {
      const { operator } = await requireAction(request, "manage:api_key");
      const mode = formData.get("mode") === "live" ? "live" : "test";
      const name = String(formData.get("name") ?? "").trim();
      const days = integerIn(
        formData.get("expiresInDays"),
        apiKeyLimits.minDays,
        apiKeyLimits.maxDays,
      );
      if (!name || name.length > 60) return { keyError: "Name the key (at most 60 characters)" };
      if (days === null) {
        return {
          keyError: `Expiry: a whole number of days from ${apiKeyLimits.minDays} to ${apiKeyLimits.maxDays}`,
        } satisfies ActionData;
      }
      const created = await createMerchantApiKey(database, {
        merchantId,
        mode,
        name,
        expiresInDays: days,
        actor: { actorType: "operator", actorId: operator.id, ...clientInfo(request) },
      });
      return {
        createdKey: {
          key: created.key,
          prefix: created.displayPrefix,
          mode: created.mode,
          expiresAt: created.expiresAt.toISOString(),
        },
      } satisfies ActionData;
    }
    if (intent === "rotate-key") {
      const { operator } = await requireAction(request, "manage:api_key");
      const overlapHours = integerIn(formData.get("overlapHours"), 0, apiKeyLimits.maxOverlapHours);
      if (overlapHours === null) {
        return {
          keyError: `Overlap: a whole number of hours from 0 to ${apiKeyLimits.maxOverlapHours}`,
        } satisfies ActionData;
      }
      const keyId = String(formData.get("keyId") ?? "");
      const oldPrefix = String(formData.get("prefix") ?? "");
      const rotated = await rotateMerchantApiKey(database, {
        merchantId,
        keyId,
        overlapHours,
        actor: { actorType: "operator", actorId: operator.id, ...clientInfo(request) },
      });
      return {
        createdKey: {
          key: rotated.key,
          prefix: rotated.displayPrefix,
          mode: rotated.mode,
          expiresAt: rotated.expiresAt.toISOString(),
          rotated: { oldPrefix, oldKeyExpiresAt: rotated.oldKeyExpiresAt.toISOString() },
        },
      } satisfies ActionData;
    }
    if (intent === "revoke-key") {
      const { operator } = await requireAction(request, "manage:api_key");
      await revokeMerchantApiKey(database, {
        merchantId,
        keyId: String(formData.get("keyId") ?? ""),
        actor: { actorType: "operator", actorId: operator.id, ...clientInfo(request) },
      });
      return redirect(`${base}?done=revoked`);
    }
    if (intent === "crm-connect") {
      const { operator } = await requireAction(request, "manage:crm_connection");
      const parsed = parseFieldRoutesForm(formData, { sandboxAllowed: !isProduction() });
      const crmValues = {
        subdomain: String(formData.get("subdomain") ?? ""),
        officeId: String(formData.get("officeId") ?? ""),
      };
      if (!parsed.ok) return { crmError: parsed.error, crmValues } satisfies ActionData;
      const result = await connectMerchantFieldRoutes(database, {
        merchantId,
        value: parsed.value,
        actor: { actorType: "operator", actorId: operator.id, ...clientInfo(request) },
      });
      if (result.ok) return redirect(`${base}?done=crm-connected`);
      return {
        crmError: `Not connected: the test call failed${result.code ? ` (${result.code})` : ""}: ${result.error}`,
        crmValues,
      } satisfies ActionData;
    }
    if (intent === "crm-oauth-start") {
      const session = await requireAction(request, "manage:crm_connection");
      const started = await startMerchantOAuth(database, {
        merchantId,
        crm: String(formData.get("crm") ?? ""),
        sessionId: session.sessionId,
        actor: { actorType: "operator", actorId: session.operator.id, ...clientInfo(request) },
      });
      // The operator's browser goes to the CRM and comes back through the callback.
      if (started.ok) return redirect(started.url);
      return { crmError: started.error } satisfies ActionData;
    }
    if (intent === "crm-verify" || intent === "crm-disconnect") {
      const { operator } = await requireAction(request, "manage:crm_connection");
      const input = {
        merchantId,
        connectionId: String(formData.get("connectionId") ?? ""),
        actor: { actorType: "operator" as const, actorId: operator.id, ...clientInfo(request) },
      };
      if (intent === "crm-disconnect") {
        await disconnectMerchantCrm(database, input);
        return redirect(`${base}?done=crm-disconnected`);
      }
      const result = await verifyMerchantCrm(database, input);
      if (result.ok) return redirect(`${base}?done=crm-verified`);
      return {
        crmError: `The test call failed${result.code ? ` (${result.code})` : ""}: ${result.error}`,
      } satisfies ActionData;
    }
    return { error: "Unknown request" } satisfies ActionData;
  } catch (error) {
    if (error instanceof MerchantNotFoundError)
      return { error: error.message } satisfies ActionData;
    // The CRM module's "no such (active) key" (a key revoked or expired meanwhile).
    if (error instanceof Error && error.name === "NotFoundError") {
      return { keyError: error.message } satisfies ActionData;
    }
    throw error;
  }
}

export default function MerchantDetail() {
  const loaded = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as ActionData | undefined;
  const busy = useNavigation().state === "submitting";
  const { merchant } = loaded;
  return (
    <OpsShell
      operator={loaded.operator}
      title={merchant.name}
      notice={loaded.notice}
      error={actionData?.error}
    >
      <p>
        <Link to="/ops/merchants">← All merchants</Link>
      </p>

      <section className="card" aria-labelledby="status-heading">
        <h2 id="status-heading">Status</h2>
        <p>
          <span className="badge">{merchant.status}</span> · slug <code>{merchant.slug}</code> ·
          since <When iso={merchant.createdAt} />
        </p>
        {loaded.can.edit ? (
          <Form method="post">
            {merchant.status === "active" ? (
              <button type="submit" name="intent" value="suspend" className="secondary">
                Suspend merchant
              </button>
            ) : (
              <button type="submit" name="intent" value="reactivate">
                Reactivate merchant
              </button>
            )}
          </Form>
        ) : null}
      </section>

      <section className="card" aria-labelledby="details-heading">
        <h2 id="details-heading">Details</h2>
        {loaded.can.edit ? (
          <>
            {actionData?.formErrors ? (
              <p role="alert" className="error">
                Not saved: please correct the fields below.
              </p>
            ) : null}
            <Form method="post" className="narrow-form">
              <MerchantFields
                mode="update"
                slug={merchant.slug}
                accountLast4={merchant.accountLast4}
                plans={loaded.plans}
                errors={actionData?.formErrors ?? {}}
                values={
                  actionData?.values ?? {
                    name: merchant.name,
                    minAmount: centsToDollarInput(merchant.minAmountCents),
                    maxAmount: centsToDollarInput(merchant.maxAmountCents),
                    pricingPlan: merchant.pricingPlan,
                    merchantFee: basisPointsToPercent(merchant.merchantFeeBps),
                  }
                }
              />
              <button type="submit" name="intent" value="update" disabled={busy}>
                Save changes
              </button>
            </Form>
          </>
        ) : (
          <dl className="facts">
            <div>
              <dt>Amounts financed</dt>
              <dd>
                {formatMoney(merchant.minAmountCents)} – {formatMoney(merchant.maxAmountCents)}
              </dd>
            </div>
            <div>
              <dt>Pricing plan</dt>
              <dd>{merchant.pricingPlan}</dd>
            </div>
            <div>
              <dt>Merchant fee</dt>
              <dd>{basisPointsToPercent(merchant.merchantFeeBps)} %</dd>
            </div>
            <div>
              <dt>Disbursement account</dt>
              <dd>{merchant.accountLast4 ? `ending in ${merchant.accountLast4}` : "—"}</dd>
            </div>
          </dl>
        )}
      </section>

      <section className="card" aria-labelledby="keys-heading">
        <h2 id="keys-heading">API keys</h2>
        {actionData?.keyError ? (
          <p role="alert" className="error">
            {actionData.keyError}
          </p>
        ) : null}
        {actionData?.createdKey ? (
          <div role="status" className="card new-key">
            <p>
              <strong>
                {actionData.createdKey.rotated
                  ? `Key ${actionData.createdKey.rotated.oldPrefix}… rotated. The new key:`
                  : "New API key:"}
              </strong>
            </p>
            <p>
              <code id="new-api-key" className="hash">
                {actionData.createdKey.key}
              </code>
            </p>
            <p>
              Copy it now: it is shown only this once (FlowPay keeps only a hash). It expires{" "}
              <When iso={actionData.createdKey.expiresAt} />.
              {actionData.createdKey.rotated ? (
                <>
                  {" "}
                  The old key keeps working until{" "}
                  <When iso={actionData.createdKey.rotated.oldKeyExpiresAt} />.
                </>
              ) : null}
            </p>
          </div>
        ) : null}
        {loaded.keys.length === 0 ? (
          <p>No API keys.</p>
        ) : (
          <div className="table-scroll" tabIndex={0}>
            <table>
              <caption className="visually-hidden">API keys of {merchant.name}</caption>
              <thead>
                <tr>
                  <th scope="col">Key</th>
                  <th scope="col">Name</th>
                  <th scope="col">Mode</th>
                  <th scope="col">Created</th>
                  <th scope="col">Expires</th>
                  <th scope="col">Last used</th>
                  <th scope="col">State</th>
                  {loaded.can.keys ? <th scope="col">Manage</th> : null}
                </tr>
              </thead>
              <tbody>
                {loaded.keys.map((key) => (
                  <tr key={key.id}>
                    <th scope="row">
                      <code>{key.prefix}…</code>
                      {key.rotatedFrom ? (
                        <div className="small muted">rotated from {key.rotatedFrom}…</div>
                      ) : null}
                    </th>
                    <td>{key.name}</td>
                    <td>{key.mode}</td>
                    <td>
                      <When iso={key.createdAt} />
                    </td>
                    <td>
                      <When iso={key.expiresAt} />
                    </td>
                    <td>
                      <When iso={key.lastUsedAt} />
                    </td>
                    <td>
                      <span className="badge">{key.state}</span>
                      {key.revokedAt ? (
                        <div className="small muted">
                          revoked <When iso={key.revokedAt} />
                        </div>
                      ) : null}
                    </td>
                    {loaded.can.keys ? (
                      <td>
                        {key.state === "active" ? (
                          <>
                            <Form method="post" className="key-form">
                              <input type="hidden" name="keyId" value={key.id} />
                              <input type="hidden" name="prefix" value={key.prefix} />
                              <label htmlFor={`overlap-${key.id}`} className="small">
                                Old key valid for (hours)
                              </label>
                              <input
                                id={`overlap-${key.id}`}
                                name="overlapHours"
                                inputMode="numeric"
                                defaultValue="24"
                                className="short"
                              />
                              <button
                                type="submit"
                                name="intent"
                                value="rotate-key"
                                className="secondary small"
                                aria-label={`Rotate key ${key.prefix}`}
                              >
                                Rotate
                              </button>
                            </Form>
                            <Form method="post" className="key-form">
                              <input type="hidden" name="keyId" value={key.id} />
                              <button
                                type="submit"
                                name="intent"
                                value="revoke-key"
                                className="secondary small"
                                aria-label={`Revoke key ${key.prefix}`}
                              >
                                Revoke
                              </button>
                            </Form>
                          </>
                        ) : null}
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {loaded.can.keys ? (
          <Form method="post" className="card narrow-form">
            <h3>Create a key</h3>
            <label htmlFor="key-name">Key name</label>
            <input id="key-name" name="name" defaultValue="FieldRoutes" maxLength={60} required />
            <fieldset>
              <legend>Mode</legend>
              <label className="choice">
                <input type="radio" name="mode" value="test" defaultChecked /> Test (sandbox
                partners)
              </label>
              <label className="choice">
                <input type="radio" name="mode" value="live" /> Live
              </label>
            </fieldset>
            <label htmlFor="key-days">Expires after (days)</label>
            <input
              id="key-days"
              name="expiresInDays"
              inputMode="numeric"
              defaultValue="90"
              required
            />
            <button type="submit" name="intent" value="create-key">
              Create API key
            </button>
          </Form>
        ) : null}
      </section>

      <section className="card" aria-labelledby="crm-heading">
        <h2 id="crm-heading">CRM connection</h2>
        {actionData?.crmError ? (
          <p role="alert" className="error">
            {actionData.crmError}
          </p>
        ) : null}
        {loaded.connections.length === 0 ? (
          <p>
            No CRM connection on file.
            {loaded.sandboxAllowed
              ? " Outside production, FieldRoutes write-back goes to the in-memory sandbox CRM meanwhile."
              : ""}
          </p>
        ) : (
          <div className="table-scroll" tabIndex={0}>
            <table>
              <caption className="visually-hidden">CRM connections of {merchant.name}</caption>
              <thead>
                <tr>
                  <th scope="col">CRM</th>
                  <th scope="col">Status</th>
                  <th scope="col">Account</th>
                  <th scope="col">Verified</th>
                  <th scope="col">Last error</th>
                  {loaded.can.crm ? <th scope="col">Manage</th> : null}
                </tr>
              </thead>
              <tbody>
                {loaded.connections.map((connection) => (
                  <tr key={connection.id}>
                    <th scope="row">
                      {connection.crm} ({connection.authKind === "oauth" ? "OAuth" : "API key"})
                    </th>
                    <td>
                      <span className="badge">{connection.status}</span>
                      {connection.circuit && connection.circuit !== "closed" ? (
                        <div className="small">circuit {connection.circuit}</div>
                      ) : null}
                    </td>
                    <td>
                      {[
                        connection.subdomain,
                        connection.officeId && `office ${connection.officeId}`,
                      ]
                        .filter(Boolean)
                        .join(", ") || "—"}
                      {connection.authKind === "oauth" && connection.tokenExpiresAt ? (
                        <div className="small muted">
                          token until <When iso={connection.tokenExpiresAt} />
                        </div>
                      ) : null}
                    </td>
                    <td>
                      <When iso={connection.verifiedAt} />
                    </td>
                    <td>{connection.lastError ?? "—"}</td>
                    {loaded.can.crm ? (
                      <td>
                        {connection.status !== "disconnected" ? (
                          <Form method="post" className="key-form">
                            <input type="hidden" name="connectionId" value={connection.id} />
                            {connection.authKind === "api_key" ? (
                              <button
                                type="submit"
                                name="intent"
                                value="crm-verify"
                                className="secondary small"
                                aria-label={`Test the ${connection.crm} connection`}
                              >
                                Test
                              </button>
                            ) : null}
                            <button
                              type="submit"
                              name="intent"
                              value="crm-disconnect"
                              className="secondary small"
                              aria-label={`Disconnect ${connection.crm}`}
                            >
                              Disconnect
                            </button>
                          </Form>
                        ) : null}
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {loaded.can.crm ? (
          <Form method="post" className="card narrow-form" autoComplete="off">
            <h3>
              {loaded.connections.some(
                (c) => c.crm === "fieldroutes" && c.status !== "disconnected",
              )
                ? "Replace the FieldRoutes credentials"
                : "Connect FieldRoutes"}
            </h3>
            <p className="small muted">
              A test call checks the credentials first; they are stored (encrypted) only when it
              succeeds, and never shown again.
            </p>
            <label htmlFor="crm-subdomain">Subdomain</label>
            <input
              id="crm-subdomain"
              name="subdomain"
              defaultValue={actionData?.crmValues?.subdomain ?? ""}
              aria-describedby="crm-subdomain-hint"
              required
            />
            <p id="crm-subdomain-hint" className="small muted">
              The part before .fieldroutes.com.
            </p>
            <label htmlFor="crm-key">Authentication key</label>
            <input id="crm-key" name="authenticationKey" type="password" required />
            <label htmlFor="crm-token">Authentication token</label>
            <input id="crm-token" name="authenticationToken" type="password" required />
            <label htmlFor="crm-office">Office id (global keys only)</label>
            <input
              id="crm-office"
              name="officeId"
              inputMode="numeric"
              defaultValue={actionData?.crmValues?.officeId ?? ""}
            />
            {loaded.sandboxAllowed ? (
              <label className="check">
                <input type="checkbox" name="sandbox" /> Use the sandbox CRM (development and demo
                only)
              </label>
            ) : null}
            <button type="submit" name="intent" value="crm-connect">
              Verify and connect
            </button>
          </Form>
        ) : null}
        <div className="card">
          <h3>OAuth CRMs</h3>
          {loaded.oauth.error ? (
            <p className="error">OAuth is misconfigured on this server: {loaded.oauth.error}</p>
          ) : loaded.oauth.crms.length === 0 ? (
            <p>No OAuth CRM is configured on this server (CRM_OAUTH_PROVIDERS).</p>
          ) : loaded.can.crm ? (
            <Form method="post" className="toolbar">
              <p className="small muted">
                You sign in at the CRM and come back here; the tokens are stored encrypted. The
                authorization must be finished within 10 minutes, in this session.
              </p>
              {loaded.oauth.crms.map((crm) => (
                <button key={crm} type="submit" name="crm" value={crm} className="secondary">
                  Connect {crm} with OAuth
                </button>
              ))}
              <input type="hidden" name="intent" value="crm-oauth-start" />
            </Form>
          ) : (
            <p>Configured: {loaded.oauth.crms.join(", ")}.</p>
          )}
        </div>
      </section>
    </OpsShell>
  );
}

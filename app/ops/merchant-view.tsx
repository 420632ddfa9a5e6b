/**
 * The merchant page's sections (issue 20: the route parses, calls
 * app/ops/merchant-page.server.ts and renders these).
 */
import type { ComponentProps } from "react";
import type { SerializeFrom } from "@remix-run/node";
import { Form } from "@remix-run/react";
import { centsToDollarInput, formatMoney } from "~/app/money/dollars";
import { When } from "./layout";
import type { MerchantActionData, MerchantPage } from "./merchant-page.server";
import { basisPointsToPercent } from "./merchants-form";
import { FieldError, FormAlert } from "~/app/ui/fields";
import { MerchantFields } from "./merchants-ui";
import { DataTable, Section } from "./page-ui";
import { IntentButton } from "~/app/ui/intent-button";
import { CrmWriteHealth } from "~/app/ui/crm-write-health";
import { connectionStatusLabel } from "~/app/crm-sync/write-health";

type SectionProps = {
  loaded: SerializeFrom<MerchantPage>;
  actionData: MerchantActionData | undefined;
  busy: boolean;
};

/** Status, suspend and reactivate. */
export function StatusSection({ loaded }: SectionProps) {
  const { merchant } = loaded;
  return (
    <Section id="status-heading" title="Status">
      <p>
        <span className="badge">{merchant.status}</span> · slug <code>{merchant.slug}</code> · since{" "}
        <When iso={merchant.createdAt} />
      </p>
      {loaded.can.edit ? (
        <Form method="post">
          {merchant.status === "active" ? (
            <IntentButton intent="suspend" className="secondary">
              Suspend merchant
            </IntentButton>
          ) : (
            <IntentButton intent="reactivate">Reactivate merchant</IntentButton>
          )}
        </Form>
      ) : null}
    </Section>
  );
}

/** The merchant's details, editable by who may edit merchants. */
export function DetailsSection({ loaded, actionData, busy }: SectionProps) {
  const { merchant } = loaded;
  return (
    <Section id="details-heading" title="Details">
      {loaded.can.edit ? (
        <>
          <FormAlert
            message={actionData?.formErrors ? "Not saved: please correct the fields below." : null}
          />
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
                  fundingMode: merchant.fundingMode,
                  upfrontRelease: basisPointsToPercent(merchant.upfrontReleaseBps),
                }
              }
            />
            <IntentButton intent="update" disabled={busy}>
              Save changes
            </IntentButton>
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
            <dt>Paid</dt>
            <dd>
              {merchant.fundingMode === "on_completion"
                ? `on completion${merchant.upfrontReleaseBps > 0 ? `, ${basisPointsToPercent(merchant.upfrontReleaseBps)} % at signature` : ""}`
                : "on signature"}
            </dd>
          </div>
          <div>
            <dt>Disbursement account</dt>
            <dd>{merchant.accountLast4 ? `ending in ${merchant.accountLast4}` : "—"}</dd>
          </div>
        </dl>
      )}
    </Section>
  );
}

/** API keys: the list, create, rotate and revoke; a new key is shown once. */
export function ApiKeysSection({ loaded, actionData }: SectionProps) {
  const { merchant } = loaded;
  return (
    <Section id="keys-heading" title="API keys">
      <FormAlert message={actionData?.keyError} />
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
        <DataTable
          caption={`API keys of ${merchant.name}`}
          columns={[
            "Key",
            "Name",
            "Mode",
            "Created",
            "Expires",
            "Last used",
            "State",
            loaded.can.keys && "Manage",
          ]}
        >
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
                        <IntentButton
                          intent="rotate-key"
                          className="secondary small"
                          aria-label={`Rotate key ${key.prefix}`}
                        >
                          Rotate
                        </IntentButton>
                      </Form>
                      <Form method="post" className="key-form">
                        <input type="hidden" name="keyId" value={key.id} />
                        <IntentButton
                          intent="revoke-key"
                          className="secondary small"
                          aria-label={`Revoke key ${key.prefix}`}
                        >
                          Revoke
                        </IntentButton>
                      </Form>
                    </>
                  ) : null}
                </td>
              ) : null}
            </tr>
          ))}
        </DataTable>
      )}
      {loaded.can.keys ? (
        <Form method="post" className="card narrow-form">
          <h3>Create a key</h3>
          <label htmlFor="key-name">Key name</label>
          <input id="key-name" name="name" defaultValue="FieldRoutes" maxLength={60} required />
          <fieldset>
            <legend>Mode</legend>
            <label className="choice">
              <input type="radio" name="mode" value="test" defaultChecked /> Test (sandbox partners)
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
          <IntentButton intent="create-key">Create API key</IntentButton>
        </Form>
      ) : null}
    </Section>
  );
}

/** One FieldRoutes credentials field: its label, the input, a hint and its message under it. */
function CrmField({
  id,
  label,
  hint,
  error,
  ...input
}: { id: string; label: string; hint?: string; error?: string } & ComponentProps<"input">) {
  const describedBy = [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(" ");
  return (
    <>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        aria-describedby={describedBy || undefined}
        aria-invalid={error ? true : undefined}
        {...input}
      />
      {hint ? (
        <p id={`${id}-hint`} className="small muted">
          {hint}
        </p>
      ) : null}
      <FieldError id={`${id}-error`} errors={error} />
    </>
  );
}

/** The CRM connection: FieldRoutes credentials, OAuth CRMs, verify and disconnect. */
/** A live connection's buttons: test an API-key connection, disconnect any. */
function CrmConnectionActions({
  connection,
}: {
  connection: SectionProps["loaded"]["connections"][number];
}) {
  if (connection.status === "disconnected") return <td />;
  return (
    <td>
      <Form method="post" className="key-form">
        <input type="hidden" name="connectionId" value={connection.id} />
        {connection.authKind === "api_key" ? (
          <IntentButton
            intent="crm-verify"
            className="secondary small"
            aria-label={`Test the ${connection.crm} connection`}
          >
            Test
          </IntentButton>
        ) : null}
        <IntentButton
          intent="crm-disconnect"
          className="secondary small"
          aria-label={`Disconnect ${connection.crm}`}
        >
          Disconnect
        </IntentButton>
      </Form>
    </td>
  );
}

export function CrmSection({ loaded, actionData }: SectionProps) {
  const { merchant } = loaded;
  // Each field's message under it (the first one is also the section's alert).
  const crmErrors = actionData?.crmFieldErrors ?? {};
  return (
    <Section id="crm-heading" title="CRM connection">
      <FormAlert message={actionData?.crmError} />
      {loaded.connections.length === 0 ? (
        <p>
          No CRM connection on file.
          {loaded.sandboxAllowed
            ? " Outside production, FieldRoutes write-back goes to the in-memory sandbox CRM meanwhile."
            : ""}
        </p>
      ) : (
        <DataTable
          caption={`CRM connections of ${merchant.name}`}
          columns={[
            "CRM",
            "Status",
            "Account",
            "Verified",
            "Last error",
            loaded.can.crm && "Manage",
          ]}
        >
          {loaded.connections.map((connection) => (
            <tr key={connection.id}>
              <th scope="row">
                {connection.crm} ({connection.authKind === "oauth" ? "OAuth" : "API key"})
              </th>
              <td>
                <span className="badge">
                  {connectionStatusLabel(
                    connection.status,
                    loaded.writeHealth.find((h) => h.crm === connection.crm),
                  )}
                </span>
                {connection.circuit && connection.circuit !== "closed" ? (
                  <div className="small">circuit {connection.circuit}</div>
                ) : null}
              </td>
              <td>
                {[connection.subdomain, connection.officeId && `office ${connection.officeId}`]
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
              <td>
                {connection.lastError ??
                  loaded.writeHealth.find((h) => h.crm === connection.crm)?.lastError ??
                  "—"}
              </td>
              {loaded.can.crm ? <CrmConnectionActions connection={connection} /> : null}
            </tr>
          ))}
        </DataTable>
      )}
      {loaded.writeHealth.map((health) => (
        <CrmWriteHealth key={health.crm} health={health} />
      ))}
      {loaded.can.crm ? (
        <Form method="post" className="card narrow-form" autoComplete="off">
          <h3>
            {loaded.connections.some((c) => c.crm === "fieldroutes" && c.status !== "disconnected")
              ? "Replace the FieldRoutes credentials"
              : "Connect FieldRoutes"}
          </h3>
          <p className="small muted">
            A test call checks the credentials first; they are stored (encrypted) only when it
            succeeds, and never shown again.
          </p>
          <CrmField
            id="crm-subdomain"
            name="subdomain"
            label="Subdomain"
            hint="The part before .fieldroutes.com."
            error={crmErrors.subdomain}
            defaultValue={actionData?.crmValues?.subdomain ?? ""}
            required
          />
          <CrmField
            id="crm-key"
            name="authenticationKey"
            label="Authentication key"
            error={crmErrors.authenticationKey}
            type="password"
            required
          />
          <CrmField
            id="crm-token"
            name="authenticationToken"
            label="Authentication token"
            error={crmErrors.authenticationToken}
            type="password"
            required
          />
          <CrmField
            id="crm-office"
            name="officeId"
            label="Office id (global keys only)"
            error={crmErrors.officeId}
            inputMode="numeric"
            defaultValue={actionData?.crmValues?.officeId ?? ""}
          />
          {loaded.sandboxAllowed ? (
            <label className="check">
              <input type="checkbox" name="sandbox" /> Use the sandbox CRM (development and demo
              only)
            </label>
          ) : null}
          <IntentButton intent="crm-connect">Verify and connect</IntentButton>
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
    </Section>
  );
}

/**
 * The merchant page's server side (issue 20): what the page shows, and one function per form
 * intent — the route only parses the intent and renders. A refusal carries its status (issue 13
 * item 18): 404 for a merchant, key or connection that does not exist or is not this
 * merchant's, 409 for one in another state (a revoked key, a slug taken), 422 for a form that
 * does not parse. Nothing an operator can post answers 500.
 */
import { parseWithZod } from "@conform-to/zod/v4";
import { z } from "zod";
import type { Database } from "~/db/client";
import { isProduction } from "~/app/config/env.server";
import type { RevokeConfirmation } from "~/app/ui/confirm-step";
import { parseFieldRoutesForm, type FieldRoutesField } from "./crm-forms.server";
import { firstError, postedIntent } from "./form-schemas.server";
import type { OpsOutcome, OpsRefusal } from "./outcome";
import { merchantFormFields, type MerchantFormField } from "./merchants-form";
import { parseMerchantForm } from "./merchants-form.server";
import {
  apiKeyLimits,
  connectionCircuit,
  connectMerchantFieldRoutes,
  createMerchantApiKey,
  disconnectMerchantCrm,
  getMerchant,
  merchantPlans,
  MerchantFieldError,
  MerchantNotFoundError,
  MerchantStateError,
  oauthCrms,
  revokeMerchantApiKey,
  rotateMerchantApiKey,
  setMerchantStatus,
  startMerchantOAuth,
  updateMerchant,
  verifyMerchantCrm,
} from "./merchants.server";
import { can, type Permission } from "./permissions";
import { loadWriteHealth } from "~/app/crm-sync/write-health.server";
import type { OperatorActor } from "./rules.server";

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

type Operator = { name: string; email: string; role: Parameters<typeof can>[0] };

/** The page's data; throws MerchantNotFoundError (the route's 404) for an unknown id. */
export async function loadMerchantPage(
  database: Database,
  operator: Operator,
  merchantId: string,
  url: URL,
) {
  const found = await getMerchant(database, merchantId);
  const { merchant, keys, connections } = found;
  const now = Date.now();
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
      fundingMode: merchant.fundingMode,
      upfrontReleaseBps: merchant.upfrontReleaseBps,
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
    // Write-backs as they really go (ADR 080): failures since the last success, last error,
    // last success — kept on write, so the card never says "connected" alone while they fail.
    writeHealth: await loadWriteHealth(database.db, merchant.id, now),
  };
}

export type MerchantPage = Awaited<ReturnType<typeof loadMerchantPage>>;

export type MerchantActionData = {
  error?: string;
  crmError?: string;
  crmValues?: { subdomain: string; officeId: string };
  /** Each FieldRoutes field's message, on its field (the first one is also `crmError`). */
  crmFieldErrors?: Partial<Record<FieldRoutesField, string>>;
  formErrors?: Partial<Record<MerchantFormField, string>>;
  values?: Partial<Record<MerchantFormField, string>>;
  keyError?: string;
  /** A revoke asked for: the key, for the confirmation step (a second post with confirm=yes). */
  confirmRevoke?: RevokeConfirmation;
  /** The whole key, shown in this one answer. */
  createdKey?: {
    key: string;
    prefix: string;
    mode: string;
    expiresAt: string;
    rotated?: { oldPrefix: string; oldKeyExpiresAt: string };
  };
};

/** "24" → 24 when a whole number from `min` to `max`; anything else is `message`. */
const wholeNumber = (min: number, max: number, message: string) =>
  z
    .string({ error: message })
    .trim()
    .regex(/^\d{1,4}$/, message)
    .transform(Number)
    .refine((n) => n >= min && n <= max, message);

const keyName = "Name the key (at most 60 characters)";
const createKeyForm = z.object({
  mode: z.enum(["live", "test"]).catch("test"),
  name: z.string({ error: keyName }).trim().min(1, keyName).max(60, keyName),
  expiresInDays: wholeNumber(
    apiKeyLimits.minDays,
    apiKeyLimits.maxDays,
    `Expiry: a whole number of days from ${apiKeyLimits.minDays} to ${apiKeyLimits.maxDays}`,
  ),
});
const rotateKeyForm = z.object({
  overlapHours: wholeNumber(
    0,
    apiKeyLimits.maxOverlapHours,
    `Overlap: a whole number of hours from 0 to ${apiKeyLimits.maxOverlapHours}`,
  ),
  prefix: z.string().catch(""),
  keyId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
});
const revokeKeyForm = z.object({
  keyId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  confirm: z.literal("yes").optional().catch(undefined),
});
/** A key form read with Conform (issue 18); an empty field reaches the schema as "". */
const parseKeyForm = <S extends z.ZodType>(form: FormData, schema: S) =>
  parseWithZod(form, { schema, disableAutoCoercion: true });

/** The OAuth CRM chosen (startMerchantOAuth refuses one not configured). */
const oauthStartForm = z.object({ crm: z.string().trim().max(40).catch("") });
/** The connection tested or disconnected; one that does not read is no connection (404). */
const connectionForm = z.object({ connectionId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) });

/** What an intent needs: the merchant, the form, who acts, and the permission check. */
type IntentInput = {
  database: Database;
  merchantId: string;
  form: FormData;
  /** Throws the 403 when the operator lacks `permission`; returns who acts. */
  authorize: (permission: Permission) => Promise<{ actor: OperatorActor; sessionId: string }>;
};
type Outcome = OpsOutcome<MerchantActionData>;

const reply = (body: MerchantActionData, status: 200 | OpsRefusal = 200): Outcome => ({
  status,
  body,
});

async function update({ database, merchantId, form, authorize }: IntentInput): Promise<Outcome> {
  const { actor } = await authorize("edit:merchant");
  const parsed = parseMerchantForm(form, { mode: "update", plans: await merchantPlans(database) });
  if (!parsed.ok) {
    const error = "Check the highlighted fields: nothing was saved.";
    return reply({ error, formErrors: parsed.errors, values: parsed.values }, 422);
  }
  try {
    const { changed } = await updateMerchant(database, { merchantId, value: parsed.value, actor });
    return { redirect: `?done=${changed.length > 0 ? "updated" : "unchanged"}` };
  } catch (error) {
    if (!(error instanceof MerchantFieldError)) throw error;
    const formErrors = { [error.field]: error.message };
    // What was typed (Conform's reading of the form) comes back, except the account number
    // (never echoed).
    const typed = parseKeyForm(form, z.object({})).payload;
    const values = Object.fromEntries(
      merchantFormFields
        .filter((field) => field !== "disbursementAccount")
        .map((field) => [field, typeof typed[field] === "string" ? typed[field] : ""]),
    );
    return reply({ error: error.message, formErrors, values }, 409);
  }
}

function setStatus(status: "active" | "suspended") {
  return async ({ database, merchantId, authorize }: IntentInput): Promise<Outcome> => {
    const { actor } = await authorize("edit:merchant");
    const { changed } = await setMerchantStatus(database, { merchantId, status, actor });
    // A page loaded before someone else changed it: say so rather than pretend.
    if (!changed) return reply({ error: `The merchant is already ${status}` }, 409);
    return { redirect: `?done=${status === "suspended" ? "suspended" : "reactivated"}` };
  };
}

async function createKey({ database, merchantId, form, authorize }: IntentInput): Promise<Outcome> {
  const { actor } = await authorize("manage:api_key");
  const parsed = parseKeyForm(form, createKeyForm);
  if (parsed.status !== "success") return reply({ keyError: firstError(parsed.error) }, 422);
  const created = await createMerchantApiKey(database, { merchantId, ...parsed.value, actor });
  return reply({
    createdKey: {
      key: created.key,
      prefix: created.displayPrefix,
      mode: created.mode,
      expiresAt: created.expiresAt.toISOString(),
    },
  });
}

async function rotateKey({ database, merchantId, form, authorize }: IntentInput): Promise<Outcome> {
  const { actor } = await authorize("manage:api_key");
  const parsed = parseKeyForm(form, rotateKeyForm);
  if (parsed.status !== "success") {
    if (parsed.error?.keyId) return reply({ keyError: "This merchant has no such API key" }, 404);
    return reply({ keyError: firstError(parsed.error) }, 422);
  }
  const { overlapHours, prefix: oldPrefix, keyId } = parsed.value;
  const rotated = await rotateMerchantApiKey(database, {
    merchantId,
    keyId,
    overlapHours,
    actor,
  });
  return reply({
    createdKey: {
      key: rotated.key,
      prefix: rotated.displayPrefix,
      mode: rotated.mode,
      expiresAt: rotated.expiresAt.toISOString(),
      rotated: { oldPrefix, oldKeyExpiresAt: rotated.oldKeyExpiresAt.toISOString() },
    },
  });
}

async function revokeKey({ database, merchantId, form, authorize }: IntentInput): Promise<Outcome> {
  const { actor } = await authorize("manage:api_key");
  const parsed = parseKeyForm(form, revokeKeyForm);
  if (parsed.status !== "success") {
    return reply({ keyError: "This merchant has no such API key" }, 404);
  }
  const { keyId } = parsed.value;
  if (parsed.value.confirm !== "yes") {
    // Revoking cannot be undone (issue 18): the first post asks, with what will happen; a second
    // with confirm=yes revokes. Plain forms, so it works without JavaScript.
    const key = (await getMerchant(database, merchantId)).keys.find((k) => k.id === keyId);
    if (!key) return reply({ keyError: "This merchant has no such API key" }, 404);
    if (key.revokedAt) {
      return reply({ keyError: `Key ${key.displayPrefix}… is revoked already` }, 409);
    }
    return reply({
      confirmRevoke: {
        keyId: key.id,
        prefix: key.displayPrefix,
        name: key.name,
        mode: key.mode,
        lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
      },
    });
  }
  await revokeMerchantApiKey(database, { merchantId, keyId, actor });
  return { redirect: "?done=revoked" };
}

async function crmConnect({
  database,
  merchantId,
  form,
  authorize,
}: IntentInput): Promise<Outcome> {
  const { actor } = await authorize("manage:crm_connection");
  const parsed = parseFieldRoutesForm(form, { sandboxAllowed: !isProduction() });
  if (!parsed.ok) {
    const { error: crmError, errors: crmFieldErrors, crmValues } = parsed;
    return reply({ crmError, crmFieldErrors, crmValues }, 422);
  }
  const result = await connectMerchantFieldRoutes(database, {
    merchantId,
    value: parsed.value,
    actor,
  });
  if (result.ok) return { redirect: "?done=crm-connected" };
  const crmError = `Not connected: the test call failed${result.code ? ` (${result.code})` : ""}: ${result.error}`;
  // The CRM refused the credentials or could not be reached: the form comes back to be fixed
  // (with the subdomain and office id as read; the secrets are never echoed).
  const crmValues = { subdomain: parsed.value.subdomain, officeId: parsed.value.officeId ?? "" };
  return reply({ crmError, crmValues }, 422);
}

async function crmOAuthStart({
  database,
  merchantId,
  form,
  authorize,
}: IntentInput): Promise<Outcome> {
  const { actor, sessionId } = await authorize("manage:crm_connection");
  const parsed = parseKeyForm(form, oauthStartForm);
  const started = await startMerchantOAuth(database, {
    merchantId,
    crm: parsed.status === "success" ? parsed.value.crm : "",
    sessionId,
    actor,
  });
  // The operator's browser goes to the CRM and comes back through the callback.
  if (started.ok) return { redirect: started.url };
  return reply({ crmError: started.error }, 422);
}

function crmConnection(intent: "verify" | "disconnect") {
  return async ({ database, merchantId, form, authorize }: IntentInput): Promise<Outcome> => {
    const { actor } = await authorize("manage:crm_connection");
    const parsed = parseKeyForm(form, connectionForm);
    if (parsed.status !== "success") {
      return reply({ crmError: "This merchant has no such CRM connection" }, 404);
    }
    const input = { merchantId, connectionId: parsed.value.connectionId, actor };
    if (intent === "disconnect") {
      await disconnectMerchantCrm(database, input);
      return { redirect: "?done=crm-disconnected" };
    }
    const result = await verifyMerchantCrm(database, input);
    if (result.ok) return { redirect: "?done=crm-verified" };
    const crmError = `The test call failed${result.code ? ` (${result.code})` : ""}: ${result.error}`;
    return reply({ crmError }, 409);
  };
}

const intents: Record<string, (input: IntentInput) => Promise<Outcome>> = {
  update,
  suspend: setStatus("suspended"),
  reactivate: setStatus("active"),
  "create-key": createKey,
  "rotate-key": rotateKey,
  "revoke-key": revokeKey,
  "crm-connect": crmConnect,
  "crm-oauth-start": crmOAuthStart,
  "crm-verify": crmConnection("verify"),
  "crm-disconnect": crmConnection("disconnect"),
};

/** One posted form of the merchant page, dispatched by its `intent`. */
export async function merchantIntent(input: IntentInput): Promise<Outcome> {
  const intent = postedIntent(input.form);
  const run = Object.hasOwn(intents, intent) ? intents[intent] : undefined;
  if (!run) return reply({ error: "Unknown request" }, 422);
  try {
    // Once the operator may act: an unknown merchant is a 404, whatever the form says.
    const authorize: IntentInput["authorize"] = async (permission) => {
      const who = await input.authorize(permission);
      await getMerchant(input.database, input.merchantId);
      return who;
    };
    const outcome = await run({ ...input, authorize });
    // Redirects stay on this merchant's page.
    if ("redirect" in outcome && outcome.redirect.startsWith("?")) {
      return { redirect: `/ops/merchants/${input.merchantId}${outcome.redirect}` };
    }
    return outcome;
  } catch (error) {
    if (error instanceof MerchantNotFoundError) return reply({ error: error.message }, 404);
    if (error instanceof MerchantStateError) return reply({ error: error.message }, 409);
    // The CRM module's "no such active key": one revoked or expired meanwhile.
    if (error instanceof Error && error.name === "NotFoundError") {
      return reply({ error: error.message, keyError: error.message }, 409);
    }
    throw error;
  }
}

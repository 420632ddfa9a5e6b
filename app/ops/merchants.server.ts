import { and, asc, count, desc, eq, gt, isNull } from "drizzle-orm";
import type { Database } from "~/db/client";
import { newId } from "~/db/ids";
import { apiKeys, crmConnections, merchants } from "~/db/schema/index";
import { audit } from "~/app/audit/audit.server";
import {
  createApiKey,
  revokeApiKey,
  rotateApiKey,
  type CreatedApiKey,
} from "~/app/crm/api-keys.server";
import { forgetAuthenticatedKeys } from "~/app/crm/key-cache.server";
import { ConfigError } from "~/app/config/env.server";
import {
  circuitStateOf,
  connectFieldRoutes,
  disconnectCrm,
  verifyCrmConnection,
  type VerifyResult,
} from "~/app/crm-sync/connections.server";
import { oauthProviders } from "~/app/crm-sync/oauth-providers.server";
import { OAuthNotConfiguredError, startOAuthConnection } from "~/app/crm-sync/oauth.server";
import { getPublishedPricing } from "~/app/decisioning/pricing-rules.server";
import { getCipher, type FieldCipher } from "~/app/security/encryption.server";
import type { MerchantInput } from "./merchants-form";
import type { OperatorActor } from "./rules.server";

/**
 * The merchants screen's domain glue: list, create and edit merchants (the disbursement account
 * encrypted, only its last four digits readable), suspend and reactivate, and their API keys
 * through app/crm/api-keys.server.ts, scoped to the merchant in the URL. Every change is audited
 * in its transaction; audit details carry field names, never values.
 */
export class MerchantNotFoundError extends Error {
  override name = "MerchantNotFoundError";
}

/** The merchant's key or connection is not in a state that allows it (e.g. already revoked). */
export class MerchantStateError extends Error {
  override name = "MerchantStateError";
}

/** A refusal that belongs to one form field (e.g. a slug already taken). */
export class MerchantFieldError extends Error {
  override name = "MerchantFieldError";
  constructor(
    readonly field: "slug",
    message: string,
  ) {
    super(message);
  }
}

export const accountContext = "merchants.disbursement_account";

/** The merchant plans a merchant can be put on: those of the published pricing. */
export async function merchantPlans(database: Database): Promise<string[]> {
  const pricing = await getPublishedPricing(database);
  return pricing ? Object.keys(pricing.table.merchantPlans) : ["standard"];
}

export async function listMerchants(database: Database) {
  const rows = await database.db.select().from(merchants).orderBy(asc(merchants.name));
  const now = new Date();
  const keyCounts = await database.db
    .select({ merchantId: apiKeys.merchantId, n: count() })
    .from(apiKeys)
    .where(and(isNull(apiKeys.revokedAt), gt(apiKeys.expiresAt, now)))
    .groupBy(apiKeys.merchantId);
  const activeKeys = new Map(keyCounts.map((row) => [row.merchantId, row.n]));
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    slug: row.slug,
    status: row.status,
    minAmountCents: row.minAmountCents,
    maxAmountCents: row.maxAmountCents,
    pricingPlan: row.pricingPlan,
    merchantFeeBps: row.merchantFeeBps,
    accountLast4: row.disbursementAccountLast4,
    activeKeys: activeKeys.get(row.id) ?? 0,
  }));
}

export async function getMerchant(database: Database, merchantId: string) {
  const merchant = await database.db.query.merchants.findFirst({
    where: eq(merchants.id, merchantId),
  });
  if (!merchant) throw new MerchantNotFoundError(`No merchant ${merchantId}`);
  const [keys, connections] = await Promise.all([
    database.db.query.apiKeys.findMany({
      where: eq(apiKeys.merchantId, merchantId),
      orderBy: desc(apiKeys.createdAt),
    }),
    database.db.query.crmConnections.findMany({
      where: eq(crmConnections.merchantId, merchantId),
      orderBy: desc(crmConnections.createdAt),
    }),
  ]);
  return { merchant, keys, connections };
}

export async function createMerchant(
  database: Database,
  input: { value: MerchantInput; actor: OperatorActor; cipher?: FieldCipher },
) {
  const { value } = input;
  if (!value.disbursementAccount) throw new Error("A new merchant needs a disbursement account");
  // Encryption happens before the transaction: nothing but its own statements inside it.
  const accountEnc = (input.cipher ?? getCipher()).encrypt(
    value.disbursementAccount,
    accountContext,
  );
  const id = newId("mer");
  return database.write(async (tx) => {
    const taken = await tx.query.merchants.findFirst({ where: eq(merchants.slug, value.slug) });
    if (taken) throw new MerchantFieldError("slug", `The slug "${value.slug}" is taken`);
    await tx.insert(merchants).values({
      id,
      name: value.name,
      slug: value.slug,
      status: "active",
      minAmountCents: value.minAmountCents,
      maxAmountCents: value.maxAmountCents,
      pricingPlan: value.pricingPlan,
      merchantFeeBps: value.merchantFeeBps,
      // New merchants are paid when the job is done unless the form says otherwise
      // (docs/product/merchants-and-money.md, "Funding modes"; ADR 050); the column's default
      // keeps older rows paying at signature.
      fundingMode: value.fundingMode ?? "on_completion",
      upfrontReleaseBps: value.upfrontReleaseBps ?? 0,
      disbursementAccountEnc: accountEnc,
      disbursementAccountLast4: value.disbursementAccount!.slice(-4),
    });
    await audit(tx, {
      ...input.actor,
      action: "merchant.create",
      entityType: "merchant",
      entityId: id,
      details: { slug: value.slug },
    });
    return { id, slug: value.slug };
  });
}

/** Saves the edit form; the audit record lists the fields that changed (names only). */
export async function updateMerchant(
  database: Database,
  input: { merchantId: string; value: MerchantInput; actor: OperatorActor; cipher?: FieldCipher },
) {
  const { value } = input;
  const accountEnc = value.disbursementAccount
    ? (input.cipher ?? getCipher()).encrypt(value.disbursementAccount, accountContext)
    : null;
  const result = await database.write(async (tx) => {
    const current = await tx.query.merchants.findFirst({
      where: eq(merchants.id, input.merchantId),
    });
    if (!current) throw new MerchantNotFoundError(`No merchant ${input.merchantId}`);
    const changes: Partial<typeof merchants.$inferInsert> = {};
    if (value.name !== current.name) changes.name = value.name;
    if (value.minAmountCents !== current.minAmountCents)
      changes.minAmountCents = value.minAmountCents;
    if (value.maxAmountCents !== current.maxAmountCents)
      changes.maxAmountCents = value.maxAmountCents;
    if (value.pricingPlan !== current.pricingPlan) changes.pricingPlan = value.pricingPlan;
    if (value.merchantFeeBps !== current.merchantFeeBps)
      changes.merchantFeeBps = value.merchantFeeBps;
    if (value.fundingMode && value.fundingMode !== current.fundingMode)
      changes.fundingMode = value.fundingMode;
    const upfront = value.upfrontReleaseBps ?? current.upfrontReleaseBps;
    if (upfront !== current.upfrontReleaseBps) changes.upfrontReleaseBps = upfront;
    if (accountEnc && value.disbursementAccount) {
      changes.disbursementAccountEnc = accountEnc;
      changes.disbursementAccountLast4 = value.disbursementAccount.slice(-4);
    }
    const changed = Object.keys(changes).filter((field) => field !== "disbursementAccountLast4");
    if (changed.length === 0) return { changed };
    await tx.update(merchants).set(changes).where(eq(merchants.id, current.id));
    await audit(tx, {
      ...input.actor,
      action: "merchant.update",
      entityType: "merchant",
      entityId: current.id,
      details: { changed },
    });
    return { changed };
  });
  // The CRM API authenticates against a short-lived copy of the merchant row.
  forgetAuthenticatedKeys();
  return result;
}

export async function setMerchantStatus(
  database: Database,
  input: { merchantId: string; status: "active" | "suspended"; actor: OperatorActor },
) {
  const result = await database.write(async (tx) => {
    const current = await tx.query.merchants.findFirst({
      where: eq(merchants.id, input.merchantId),
    });
    if (!current) throw new MerchantNotFoundError(`No merchant ${input.merchantId}`);
    if (current.status === input.status) return { changed: false };
    await tx.update(merchants).set({ status: input.status }).where(eq(merchants.id, current.id));
    await audit(tx, {
      ...input.actor,
      action: input.status === "suspended" ? "merchant.suspend" : "merchant.reactivate",
      entityType: "merchant",
      entityId: current.id,
      details: { from: current.status, to: input.status },
    });
    return { changed: true };
  });
  // The CRM API authenticates against a short-lived copy of the merchant row.
  forgetAuthenticatedKeys();
  return result;
}

export const apiKeyLimits = {
  minDays: 1,
  maxDays: 365,
  maxOverlapHours: 168,
} as const;

/** A new key for this merchant: the whole key is in the answer, and nowhere else, ever. */
export async function createMerchantApiKey(
  database: Database,
  input: {
    merchantId: string;
    mode: "live" | "test";
    name: string;
    expiresInDays: number;
    actor: OperatorActor;
  },
): Promise<CreatedApiKey> {
  const merchant = await database.db.query.merchants.findFirst({
    where: eq(merchants.id, input.merchantId),
  });
  if (!merchant) throw new MerchantNotFoundError(`No merchant ${input.merchantId}`);
  return createApiKey(database, {
    merchantSlug: merchant.slug,
    mode: input.mode,
    name: input.name,
    expiresInDays: input.expiresInDays,
    actor: input.actor,
  });
}

async function keyOfMerchant(database: Database, merchantId: string, keyId: string) {
  const key = await database.db.query.apiKeys.findFirst({
    where: and(eq(apiKeys.id, keyId), eq(apiKeys.merchantId, merchantId)),
  });
  if (!key) throw new MerchantNotFoundError(`This merchant has no API key ${keyId}`);
  return key;
}

export async function rotateMerchantApiKey(
  database: Database,
  input: { merchantId: string; keyId: string; overlapHours: number; actor: OperatorActor },
) {
  await keyOfMerchant(database, input.merchantId, input.keyId);
  return rotateApiKey(database, input.keyId, {
    overlapHours: input.overlapHours,
    actor: input.actor,
  });
}

export async function revokeMerchantApiKey(
  database: Database,
  input: { merchantId: string; keyId: string; actor: OperatorActor },
) {
  const key = await keyOfMerchant(database, input.merchantId, input.keyId);
  if (key.revokedAt) throw new MerchantStateError("This API key is already revoked");
  return revokeApiKey(database, input.keyId, input.actor);
}

// ---- CRM connection (app/crm-sync/connections.server.ts) ----------------------------------

/** The circuit breaker of a connection's adapter, for the screen (null: not built yet). */
export const connectionCircuit = circuitStateOf;

/** The FieldRoutes credentials form's reading (crm-forms.server.ts `parseFieldRoutesForm`). */
export type FieldRoutesForm =
  | {
      ok: true;
      value: {
        subdomain: string;
        authenticationKey: string;
        authenticationToken: string;
        officeId: string | null;
        sandbox: boolean;
      };
    }
  | { ok: false; error: string };

/** Verifies the credentials with a test call and stores them encrypted only if it succeeds. */
export async function connectMerchantFieldRoutes(
  database: Database,
  input: {
    merchantId: string;
    value: Extract<FieldRoutesForm, { ok: true }>["value"];
    actor: OperatorActor;
  },
): Promise<VerifyResult> {
  const merchant = await database.db.query.merchants.findFirst({
    where: eq(merchants.id, input.merchantId),
  });
  if (!merchant) throw new MerchantNotFoundError(`No merchant ${input.merchantId}`);
  return connectFieldRoutes(database, { merchantId: merchant.id, ...input.value }, input.actor);
}

async function connectionOfMerchant(database: Database, merchantId: string, connectionId: string) {
  const connection = await database.db.query.crmConnections.findFirst({
    where: and(eq(crmConnections.id, connectionId), eq(crmConnections.merchantId, merchantId)),
  });
  if (!connection)
    throw new MerchantNotFoundError(`This merchant has no CRM connection ${connectionId}`);
  return connection;
}

export async function verifyMerchantCrm(
  database: Database,
  input: { merchantId: string; connectionId: string; actor: OperatorActor },
) {
  await connectionOfMerchant(database, input.merchantId, input.connectionId);
  return verifyCrmConnection(database, input.connectionId, input.actor);
}

export async function disconnectMerchantCrm(
  database: Database,
  input: { merchantId: string; connectionId: string; actor: OperatorActor },
) {
  const connection = await connectionOfMerchant(database, input.merchantId, input.connectionId);
  return disconnectCrm(
    database,
    { merchantId: input.merchantId, crm: connection.crm },
    input.actor,
  );
}

/** The CRMs configured for OAuth on this server (CRM_OAUTH_PROVIDERS); a bad setting is reported, not thrown. */
export function oauthCrms(): { crms: string[]; error: string | null } {
  try {
    return { crms: oauthProviders().map((provider) => provider.crm), error: null };
  } catch (error) {
    if (error instanceof ConfigError) return { crms: [], error: error.message };
    throw error;
  }
}

/**
 * Starts connecting a merchant to an OAuth CRM: the operator's browser goes to the returned URL
 * and comes back through the callback, bound to this session (app/crm-sync/oauth.server.ts).
 */
export async function startMerchantOAuth(
  database: Database,
  input: {
    merchantId: string;
    crm: string;
    sessionId: string;
    actor: OperatorActor;
  },
): Promise<{ ok: true; url: string } | { ok: false; error: string }> {
  const merchant = await database.db.query.merchants.findFirst({
    where: eq(merchants.id, input.merchantId),
  });
  if (!merchant) throw new MerchantNotFoundError(`No merchant ${input.merchantId}`);
  try {
    const { url } = await startOAuthConnection(database, {
      sessionId: input.sessionId,
      operatorId: input.actor.actorId ?? "",
      merchantId: merchant.id,
      crm: input.crm,
      ip: input.actor.ip ?? null,
      userAgent: input.actor.userAgent ?? null,
    });
    return { ok: true, url };
  } catch (error) {
    if (error instanceof OAuthNotConfiguredError) return { ok: false, error: error.message };
    throw error;
  }
}

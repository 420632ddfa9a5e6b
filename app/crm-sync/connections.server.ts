/**
 * FieldRoutes connections (crm_connections, one per merchant and CRM): an operator enters the
 * office's subdomain, key and token (+ office id for a global key) in /ops/merchants/{id}; they
 * are verified with a test call, then stored encrypted. One adapter instance per connection is
 * kept in-process (its circuit breaker must see every call to that office) and rebuilt when the
 * credentials change. Outside production, a merchant without a connection writes to the
 * in-memory sandbox CRM, and the demo merchant gets an explicit sandbox connection.
 *
 * For the ops screens: connectFieldRoutes, verifyCrmConnection, disconnectCrm, crmConnectionFor,
 * circuitStateOf.
 */
import { and, eq, ne } from "drizzle-orm";
import type { Database, Tx } from "~/db/client";
import { newId } from "~/db/ids";
import { crmConnections, merchants } from "~/db/schema/index";
import {
  createFieldRoutesCrm,
  createSandboxCrm,
  type CircuitStateName,
  type CrmAdapter,
  type FieldRoutesCredentials,
  type FieldRoutesCrm,
} from "~/adapters/fieldroutes/index";
import { isPartnerError } from "~/adapters/shared/errors";
import { PermanentError } from "~/jobs/errors";
import { audit, type AuditEntry } from "~/app/audit/audit.server";
import { getEnv, isProduction } from "~/app/config/env.server";
import { getCipher } from "~/app/security/encryption.server";
import { crmCallListener, withCrmCallLog } from "./call-log.server";
import { singleton } from "~/app/singleton.server";

export const credentialsContext = "crm_connections.credentials";

type Connection = typeof crmConnections.$inferSelect;
type Reader = Database["db"] | Tx;
export type Actor = Pick<AuditEntry, "actorType" | "actorId" | "ip" | "userAgent">;

/** What credentials_enc holds (encrypted JSON). `sandbox`: the in-memory CRM (never in production). */
type StoredCredentials = { authenticationKey: string; authenticationToken: string; sandbox?: true };

export type FieldRoutesConnectInput = {
  merchantId: string;
  subdomain: string;
  authenticationKey: string;
  authenticationToken: string;
  officeId?: string | null;
  /** The sandbox CRM instead of FieldRoutes (development and demo only). */
  sandbox?: boolean;
};

export type VerifyResult =
  | { ok: true; connectionId: string; officeName: string | null }
  | { ok: false; code: string | null; error: string };

export type CrmTarget = { adapter: CrmAdapter; connectionId: string | null; sandbox: boolean };

// ---- the adapter cache ---------------------------------------------------------------------

type Cached = { credentialsEnc: string | null; adapter: CrmAdapter };
const cache: Map<string, Cached> = singleton<Map<string, Cached>>("crmAdapters", () => new Map());

function buildAdapter(credentials: Partial<FieldRoutesCredentials>, sandbox: boolean): CrmAdapter {
  if (sandbox) {
    if (isProduction()) throw new PermanentError("The sandbox CRM is not available in production");
    return createSandboxCrm({ credentials, onCall: crmCallListener });
  }
  const env = getEnv();
  return createFieldRoutesCrm({
    // Checked by the adapter (a malformed value throws INVALID_CREDENTIALS, naming only the field).
    credentials: credentials as FieldRoutesCredentials,
    onCall: crmCallListener,
    timeoutMs: env.FIELDROUTES_TIMEOUT_MS,
    breaker: {
      consecutiveFailures: env.FIELDROUTES_BREAKER_FAILURES,
      halfOpenAfterMs: env.FIELDROUTES_HALF_OPEN_MS,
    },
    ...(env.FIELDROUTES_BASE_URL ? { baseUrlOverride: env.FIELDROUTES_BASE_URL } : {}),
  });
}

function credentialsOf(connection: Connection): {
  credentials: FieldRoutesCredentials;
  sandbox: boolean;
} {
  if (!connection.credentialsEnc || !connection.subdomain) {
    throw new PermanentError(`CRM connection ${connection.id} has no stored credentials`);
  }
  const stored = JSON.parse(
    getCipher().decrypt(connection.credentialsEnc, credentialsContext),
  ) as StoredCredentials;
  return {
    credentials: {
      subdomain: connection.subdomain,
      authenticationKey: stored.authenticationKey,
      authenticationToken: stored.authenticationToken,
      ...(connection.officeId ? { officeId: connection.officeId } : {}),
    },
    sandbox: stored.sandbox === true,
  };
}

/** The one adapter instance of a connection (rebuilt when its credentials changed). */
function adapterOf(connection: Connection): { adapter: CrmAdapter; sandbox: boolean } {
  const cached = cache.get(connection.id);
  const { credentials, sandbox } = credentialsOf(connection);
  if (cached && cached.credentialsEnc === connection.credentialsEnc) {
    return { adapter: cached.adapter, sandbox };
  }
  const adapter = buildAdapter(credentials, sandbox);
  cache.set(connection.id, { credentialsEnc: connection.credentialsEnc, adapter });
  return { adapter, sandbox };
}

/** The breaker of a connection's adapter: "closed", "open", "half-open" (null: not built yet or sandbox). */
export function circuitStateOf(connectionId: string): CircuitStateName | null {
  const adapter = cache.get(connectionId)?.adapter as Partial<FieldRoutesCrm> | undefined;
  return adapter?.circuitState ?? null;
}

// ---- reads ---------------------------------------------------------------------------------

/** The merchant's live (not disconnected) connection to `crm`, if any. */
/**
 * Stores a verified connection as the merchant's connection to `crm`: the row is replaced in
 * place when there is one (its id, and the history that points at it, stay), created
 * otherwise. FieldRoutes credentials and OAuth tokens are saved the same way. Its id.
 */
export async function saveCrmConnection(
  tx: Tx,
  merchantId: string,
  crm: string,
  values: Omit<typeof crmConnections.$inferInsert, "id" | "merchantId" | "crm">,
): Promise<string> {
  const existing = await crmConnectionFor(tx, merchantId, crm);
  if (existing) {
    await tx.update(crmConnections).set(values).where(eq(crmConnections.id, existing.id));
    return existing.id;
  }
  const id = newId("crm");
  await tx.insert(crmConnections).values({ id, merchantId, crm, ...values });
  return id;
}

export async function crmConnectionFor(reader: Reader, merchantId: string, crm: string) {
  return reader
    .select()
    .from(crmConnections)
    .where(
      and(
        eq(crmConnections.merchantId, merchantId),
        eq(crmConnections.crm, crm),
        ne(crmConnections.status, "disconnected"),
      ),
    )
    .get();
}

/**
 * Where a merchant's CRM write-back goes: the connection's adapter; outside production the
 * sandbox when the merchant has no FieldRoutes connection; null when there is nothing to write
 * to (another CRM without a write-back adapter, an OAuth connection, production without one).
 */
export async function crmTargetFor(
  database: Database,
  merchantId: string,
  crm: string,
): Promise<CrmTarget | null> {
  if (crm !== "fieldroutes") return null;
  const connection = await crmConnectionFor(database.db, merchantId, crm);
  if (!connection) {
    if (isProduction()) return null;
    const key = `sandbox:${merchantId}`;
    let cached = cache.get(key);
    if (!cached) {
      cached = { credentialsEnc: null, adapter: buildAdapter({ subdomain: "sandbox" }, true) };
      cache.set(key, cached);
    }
    return { adapter: cached.adapter, connectionId: null, sandbox: true };
  }
  if (connection.authKind !== "api_key") return null;
  if (connection.status === "error") {
    throw new PermanentError(
      `The FieldRoutes connection of merchant ${merchantId} needs to be reconnected (${connection.lastError ?? "error"})`,
    );
  }
  const { adapter, sandbox } = adapterOf(connection);
  return { adapter, connectionId: connection.id, sandbox };
}

/** After a permanent credentials failure: the connection needs an operator (syncs stop failing noisily). */
export async function markConnectionError(
  database: Database,
  connectionId: string,
  message: string,
) {
  await database.write((tx) =>
    tx
      .update(crmConnections)
      .set({ status: "error", lastError: message.slice(0, 500) })
      .where(and(eq(crmConnections.id, connectionId), ne(crmConnections.status, "disconnected"))),
  );
}

// ---- connect, verify, disconnect -----------------------------------------------------------

function failure(error: unknown): { ok: false; code: string | null; error: string } {
  if (isPartnerError(error)) {
    return {
      ok: false,
      code: error.code === undefined ? null : String(error.code),
      error: error.message,
    };
  }
  return { ok: false, code: null, error: error instanceof Error ? error.message : String(error) };
}

/**
 * Saves a merchant's FieldRoutes credentials after a successful test call (verify()); the
 * credentials of a failed test are not stored. Replaces an earlier connection's credentials in
 * place (its cached adapter is rebuilt on next use). Audited either way (never the secrets).
 */
export async function connectFieldRoutes(
  database: Database,
  input: FieldRoutesConnectInput,
  actor: Actor,
): Promise<VerifyResult> {
  const sandbox = input.sandbox === true;
  if (sandbox && isProduction()) {
    return {
      ok: false,
      code: "SANDBOX_IN_PRODUCTION",
      error: "The sandbox CRM is not available in production",
    };
  }
  const credentials: FieldRoutesCredentials = {
    subdomain: input.subdomain.trim().toLowerCase(),
    authenticationKey: input.authenticationKey.trim(),
    authenticationToken: input.authenticationToken.trim(),
    ...(input.officeId?.trim() ? { officeId: input.officeId.trim() } : {}),
  };
  const details = { crm: "fieldroutes", subdomain: credentials.subdomain, sandbox };
  let officeName: string | null = null;
  try {
    const probe = buildAdapter(credentials, sandbox);
    const verified = await withCrmCallLog(
      { database, merchantId: input.merchantId, applicationId: null, crm: "fieldroutes" },
      () => probe.verify(),
    );
    officeName = verified.officeName ?? null;
  } catch (error) {
    const result = failure(error);
    await database.write((tx) =>
      audit(tx, {
        ...actor,
        action: "crm_connection.verify_failed",
        entityType: "merchant",
        entityId: input.merchantId,
        details: { ...details, code: result.code },
      }),
    );
    return result;
  }

  const stored: StoredCredentials = {
    authenticationKey: credentials.authenticationKey,
    authenticationToken: credentials.authenticationToken,
    ...(sandbox ? { sandbox: true as const } : {}),
  };
  const credentialsEnc = getCipher().encrypt(JSON.stringify(stored), credentialsContext);
  const connectionId = await database.write(async (tx) => {
    const values = {
      authKind: "api_key" as const,
      status: "connected" as const,
      subdomain: credentials.subdomain,
      officeId: credentials.officeId ?? null,
      credentialsEnc,
      accessTokenEnc: null,
      refreshTokenEnc: null,
      tokenExpiresAt: null,
      verifiedAt: new Date(),
      lastError: null,
    };
    const id = await saveCrmConnection(tx, input.merchantId, "fieldroutes", values);
    await audit(tx, {
      ...actor,
      action: "crm_connection.connect",
      entityType: "crm_connection",
      entityId: id,
      details: {
        ...details,
        merchant_id: input.merchantId,
        office_id: credentials.officeId ?? null,
      },
    });
    return id;
  });
  cache.delete(connectionId);
  return { ok: true, connectionId, officeName };
}

/** Failures that only an operator can fix (new credentials); the rest (timeouts…) may pass. */
const needsOperator = new Set(["AUTH_REJECTED", "OFFICE_NOT_FOUND", "INVALID_CREDENTIALS"]);

/** Re-checks a stored connection (the ops screen's "Test" button) with its live adapter. */
export async function verifyCrmConnection(
  database: Database,
  connectionId: string,
  actor: Actor,
): Promise<VerifyResult> {
  const connection = await database.db
    .select()
    .from(crmConnections)
    .where(eq(crmConnections.id, connectionId))
    .get();
  if (!connection || connection.status === "disconnected" || connection.authKind !== "api_key") {
    return { ok: false, code: "NOT_CONNECTED", error: "No FieldRoutes connection to verify" };
  }
  let result: VerifyResult;
  try {
    const { adapter } = adapterOf(connection);
    const verified = await withCrmCallLog(
      { database, merchantId: connection.merchantId, applicationId: null, crm: connection.crm },
      () => adapter.verify(),
    );
    result = { ok: true, connectionId, officeName: verified.officeName ?? null };
  } catch (error) {
    result = failure(error);
  }
  await database.write(async (tx) => {
    await tx
      .update(crmConnections)
      .set(
        result.ok
          ? { status: "connected", verifiedAt: new Date(), lastError: null }
          : needsOperator.has(result.code ?? "")
            ? { status: "error", lastError: result.error.slice(0, 500) }
            : { lastError: result.error.slice(0, 500) },
      )
      .where(eq(crmConnections.id, connectionId));
    await audit(tx, {
      ...actor,
      action: result.ok ? "crm_connection.verify" : "crm_connection.verify_failed",
      entityType: "crm_connection",
      entityId: connectionId,
      details: { crm: connection.crm, ...(result.ok ? {} : { code: result.code }) },
    });
  });
  return result;
}

/** Disconnects a merchant from a CRM: credentials and tokens are erased, the adapter dropped. */
export async function disconnectCrm(
  database: Database,
  input: { merchantId: string; crm: string },
  actor: Actor,
): Promise<boolean> {
  const id = await database.write(async (tx) => {
    const existing = await crmConnectionFor(tx, input.merchantId, input.crm);
    if (!existing) return null;
    await tx
      .update(crmConnections)
      .set({
        status: "disconnected",
        credentialsEnc: null,
        accessTokenEnc: null,
        refreshTokenEnc: null,
        tokenExpiresAt: null,
      })
      .where(eq(crmConnections.id, existing.id));
    await audit(tx, {
      ...actor,
      action: "crm_connection.disconnect",
      entityType: "crm_connection",
      entityId: existing.id,
      details: { crm: input.crm, merchant_id: input.merchantId },
    });
    return existing.id;
  });
  if (id) cache.delete(id);
  return id !== null;
}

/**
 * The demo merchant's sandbox FieldRoutes connection (demo and development only), so the
 * write-back is visible without a real office. Idempotent. The slug comes from the caller (boot):
 * production code does not import the demo seed (ADR 038).
 */
export async function ensureDemoCrmConnection(
  database: Database,
  merchantSlug: string,
): Promise<boolean> {
  if (isProduction()) return false;
  const merchant = await database.db
    .select({ id: merchants.id })
    .from(merchants)
    .where(eq(merchants.slug, merchantSlug))
    .get();
  if (!merchant) return false;
  if (await crmConnectionFor(database.db, merchant.id, "fieldroutes")) return false;
  const result = await connectFieldRoutes(
    database,
    {
      merchantId: merchant.id,
      subdomain: "sandbox",
      authenticationKey: "sandbox",
      authenticationToken: "sandbox",
      sandbox: true,
    },
    { actorType: "system", actorId: "seed" },
  );
  return result.ok;
}

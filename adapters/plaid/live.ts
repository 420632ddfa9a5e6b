/**
 * The live bank-link adapter: Plaid's API through the official `plaid` SDK (axios
 * underneath), then summary.ts.
 *
 * - Credentials go in the `PLAID-CLIENT-ID` / `PLAID-SECRET` headers (baseOptions), so
 *   `basePath` can point the SDK at a local fake (docs/product/platform-notes.md, "Partner SDKs").
 * - One attempt per Plaid call; the caller (the job runner) retries on a transient
 *   PartnerError. `summarize` makes several calls (balances, then every sync page); if
 *   one fails the whole summary fails, and a retry starts over.
 * - Each call has its own timeout (`timeoutMs`, default 15 s) and honours the caller's
 *   AbortSignal (axios aborts the request underneath).
 * - `summarize` always syncs from the beginning (no stored cursor): the summary is a
 *   one-off for decisioning, not a running ledger. If Plaid has not finished pulling
 *   the Item's history yet, it throws a transient PartnerError (code `PRODUCT_NOT_READY`,
 *   or `HISTORICAL_UPDATE_PENDING` when only the first 30 days are in — unless
 *   `acceptInitialUpdate`), so the job retries later instead of deciding on partial data.
 * - The access token is a secret: it is sent to Plaid and nowhere else. Errors carry
 *   Plaid's error code, type, message and request_id — never the axios error (whose
 *   config holds the secret and the access token), and any access token that appears in
 *   a message is redacted.
 */
import type {
  AccountBase,
  CountryCode,
  PlaidApi,
  Products,
  Transaction,
  TransactionsUpdateStatus,
} from "plaid";
import type * as PlaidSdk from "plaid";
import { PartnerError, isPartnerError, isPermanentHttpStatus } from "~/adapters/shared/errors";
import { PARTNER, abortedError, timeoutError } from "./internal";
import { isoDate, summarizeBank } from "./summary";
import { type BankLinkAdapter, type BankSummary } from "./types";
import { createWebhookVerifier, type PlaidWebhookKey } from "./webhook";

/** Plaid's environments: the SDK's PlaidEnvironments lists sandbox and production only (Development was retired in June 2024). */
export type PlaidEnv = "sandbox" | "production";

export type PlaidBankLinkConfig = {
  clientId: string;
  secret: string;
  env: PlaidEnv;
  /** Tests and local fakes only: send every request here instead of Plaid's host for `env`. */
  basePath?: string;
  /** Default webhook for link tokens (`createLinkToken({ webhookUrl })` overrides it). */
  webhookUrl?: string;
  /** Per Plaid call. Default 15 s. */
  timeoutMs?: number;
  /** Shown in Plaid Link; at most 30 characters. Default "FlowPay". */
  clientName?: string;
  /** Transactions history asked for at link time. Default 90 days. */
  daysRequested?: number;
  /** Summarize when Plaid has only the first 30 days of history (INITIAL_UPDATE_COMPLETE). Default false. */
  acceptInitialUpdate?: boolean;
  /** The summary date comes from this clock (tests). */
  now?: () => Date;
};

export const DEFAULT_TIMEOUT_MS = 15_000;
export const SYNC_PAGE_SIZE = 500;
/** A runaway pagination (500 × 200 = 100,000 transactions) is an error, not a hang. */
export const MAX_SYNC_PAGES = 200;
/** Plaid: on TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION, restart the loop from its first cursor. */
export const MAX_SYNC_RESTARTS = 2;

/**
 * Plaid's hosts (the SDK's PlaidEnvironments; it retired Development in 2024 and no longer lists
 * it). Kept here so the SDK — ≈27 MB of source and source map in memory — is loaded only when a
 * live adapter first calls Plaid, not by every server that runs the sandbox.
 */
export const PLAID_HOSTS: Record<PlaidEnv, string> = {
  sandbox: "https://sandbox.plaid.com",
  production: "https://production.plaid.com",
};

let sdk: Promise<typeof PlaidSdk> | undefined;
const loadSdk = () => (sdk ??= import("plaid"));

/** Plaid error types that a later attempt can get past, whatever the HTTP status. */
const TRANSIENT_ERROR_TYPES = new Set(["RATE_LIMIT_EXCEEDED", "API_ERROR", "INSTITUTION_ERROR"]);
/** Plaid error codes that come with a 400 but are worth retrying. */
const TRANSIENT_ERROR_CODES = new Set([
  "PRODUCT_NOT_READY",
  "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION",
  "INSTITUTION_DOWN",
  "INSTITUTION_NOT_RESPONDING",
  "INSTITUTION_NOT_AVAILABLE",
  "INTERNAL_SERVER_ERROR",
  "PLANNED_MAINTENANCE",
]);

const ACCESS_TOKEN_PATTERN = /access-(sandbox|development|production)-[A-Za-z0-9-]+/g;

/** Removes anything that looks like an access token (and the given secrets) from a message. */
export function redact(message: string, secrets: readonly string[] = []): string {
  let out = message.replace(ACCESS_TOKEN_PATTERN, "access-[redacted]");
  for (const secret of secrets) if (secret) out = out.split(secret).join("[redacted]");
  return out;
}

type PlaidErrorBody = {
  type?: string;
  code?: string;
  message?: string;
  requestId?: string;
};

function plaidErrorBody(data: unknown): PlaidErrorBody {
  if (typeof data !== "object" || data === null) return {};
  const d = data as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === "string" && v ? v : undefined);
  const body: PlaidErrorBody = {};
  const type = str(d.error_type);
  const code = str(d.error_code);
  const message = str(d.error_message);
  const requestId = str(d.request_id);
  if (type) body.type = type;
  if (code) body.code = code;
  if (message) body.message = message;
  if (requestId) body.requestId = requestId;
  return body;
}

/**
 * SDK (axios) error → PartnerError. Plaid answered: permanent for a 4xx except
 * 408/425/429 and the transient types/codes above; 5xx transient. No answer (network,
 * timeout): transient. A 2xx that is not what Plaid sends: transient INVALID_RESPONSE.
 * Anything else is a bug and is returned unchanged.
 */
export function toPartnerError(
  error: unknown,
  action: string,
  secrets: readonly string[] = [],
): unknown {
  if (error instanceof PartnerError) return error;
  if (typeof error !== "object" || error === null) return error;
  const e = error as {
    isAxiosError?: boolean;
    code?: unknown;
    message?: unknown;
    response?: { status?: unknown; data?: unknown };
  };
  const message = typeof e.message === "string" ? e.message : String(error);

  if (e.isAxiosError === true) {
    const status = e.response?.status;
    if (typeof status === "number") {
      const body = plaidErrorBody(e.response?.data);
      const permanent =
        isPermanentHttpStatus(status) &&
        !(body.type && TRANSIENT_ERROR_TYPES.has(body.type)) &&
        !(body.code && TRANSIENT_ERROR_CODES.has(body.code));
      const text =
        `Plaid ${action} failed: HTTP ${status}` +
        (body.code ? ` ${body.code}` : "") +
        (body.type ? ` (${body.type})` : "") +
        (body.message ? `: ${body.message}` : "") +
        (body.requestId ? ` [request_id ${body.requestId}]` : "");
      return new PartnerError(redact(text, secrets), {
        partner: PARTNER,
        status,
        code: body.code ?? `HTTP_${status}`,
        permanent,
      });
    }
    const networkCode = typeof e.code === "string" ? e.code : undefined;
    if (networkCode === "ECONNABORTED" || networkCode === "ETIMEDOUT") {
      return new PartnerError(`Plaid did not answer ${action} in time`, {
        partner: PARTNER,
        code: "TIMEOUT",
        permanent: false,
      });
    }
    return new PartnerError(
      redact(`Plaid ${action}: network error (${networkCode ?? message})`, secrets),
      { partner: PARTNER, code: "NETWORK", permanent: false },
    );
  }
  if (error instanceof SyntaxError) return invalidResponse(action);
  return error;
}

function invalidResponse(action: string, what = "unreadable answer"): PartnerError {
  return new PartnerError(`Plaid ${action}: ${what}`, {
    partner: PARTNER,
    code: "INVALID_RESPONSE",
    permanent: false,
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function createPlaidBankLink(config: PlaidBankLinkConfig): BankLinkAdapter {
  const { clientId, secret, env } = config;
  if (!clientId) throw new Error("Plaid clientId is required");
  if (!secret) throw new Error("Plaid secret is required");
  const clientName = config.clientName ?? "FlowPay";
  if (clientName.length < 1 || clientName.length > 30) {
    throw new Error("Plaid client_name must be 1 to 30 characters");
  }
  // Checked even with a basePath override: "development" (retired by Plaid in 2024) must fail
  // here, in tests against the fake too, not first in production.
  if (!Object.hasOwn(PLAID_HOSTS, env)) {
    throw new Error(
      `Unknown Plaid environment: ${String(env)} (Plaid has sandbox and production; development was retired in 2024)`,
    );
  }
  const basePath = config.basePath ?? PLAID_HOSTS[env];
  const timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const daysRequested = config.daysRequested ?? 90;
  const now = config.now ?? (() => new Date());

  let api: Promise<PlaidApi> | undefined;
  const plaidApi = () =>
    (api ??= loadSdk().then(
      ({ PlaidApi, Configuration }) =>
        new PlaidApi(
          new Configuration({
            basePath: basePath.replace(/\/+$/, ""),
            baseOptions: { headers: { "PLAID-CLIENT-ID": clientId, "PLAID-SECRET": secret } },
          }),
        ),
    ));

  /** One SDK call with a timeout and the caller's signal; errors mapped; returns the body. */
  async function call<T>(
    action: string,
    signal: AbortSignal | undefined,
    work: (options: { signal: AbortSignal }, client: PlaidApi) => Promise<{ data: T }>,
    secrets: readonly string[] = [],
  ): Promise<T> {
    if (signal?.aborted) throw abortedError(signal, action);
    const client = await plaidApi();
    const timeout = AbortSignal.timeout(timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    try {
      const response = await work({ signal: combined }, client);
      return response.data;
    } catch (error) {
      if (signal?.aborted) throw abortedError(signal, action);
      if (timeout.aborted) throw timeoutError(action, timeoutMs);
      throw toPartnerError(error, action, [secret, ...secrets]);
    }
  }

  async function fetchWebhookKey(kid: string): Promise<PlaidWebhookKey> {
    const data = await call("webhookVerificationKeyGet", undefined, (options, client) =>
      client.webhookVerificationKeyGet({ key_id: kid }, options),
    );
    const key: unknown = (data as { key?: unknown } | undefined)?.key;
    if (!isRecord(key) || typeof key.x !== "string" || typeof key.y !== "string") {
      throw invalidResponse("webhookVerificationKeyGet", "answer without a key");
    }
    return key as unknown as PlaidWebhookKey;
  }

  const verifier = createWebhookVerifier({ fetchKey: fetchWebhookKey });

  async function balances(accessToken: string, signal?: AbortSignal): Promise<AccountBase[]> {
    const data = await call(
      "accountsBalanceGet",
      signal,
      (options, client) => client.accountsBalanceGet({ access_token: accessToken }, options),
      [accessToken],
    );
    if (!isRecord(data) || !Array.isArray(data.accounts)) {
      throw invalidResponse("accountsBalanceGet", "answer without accounts");
    }
    return data.accounts;
  }

  /** Every transaction of the Item: added/modified/removed applied in order, all pages. */
  async function allTransactions(
    accessToken: string,
    signal?: AbortSignal,
  ): Promise<Transaction[]> {
    for (let restart = 0; ; restart++) {
      try {
        return await syncFromStart(accessToken, signal);
      } catch (error) {
        const mutated =
          isPartnerError(error) && error.code === "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION";
        if (!mutated || restart >= MAX_SYNC_RESTARTS) throw error;
      }
    }
  }

  async function syncFromStart(accessToken: string, signal?: AbortSignal) {
    const byId = new Map<string, Transaction>();
    let cursor: string | undefined;
    for (let page = 1; ; page++) {
      const data = await call(
        "transactionsSync",
        signal,
        (options, client) =>
          client.transactionsSync(
            {
              access_token: accessToken,
              count: SYNC_PAGE_SIZE,
              ...(cursor !== undefined ? { cursor } : {}),
            },
            options,
          ),
        [accessToken],
      );
      if (
        !isRecord(data) ||
        !Array.isArray(data.added) ||
        !Array.isArray(data.modified) ||
        !Array.isArray(data.removed) ||
        typeof data.has_more !== "boolean" ||
        typeof data.next_cursor !== "string"
      ) {
        throw invalidResponse("transactionsSync", "answer is not a sync page");
      }
      for (const t of data.added) byId.set(t.transaction_id, t);
      for (const t of data.modified) byId.set(t.transaction_id, t);
      for (const r of data.removed) byId.delete(r.transaction_id);

      if (!data.has_more) {
        const status = data.transactions_update_status;
        if (status === ("NOT_READY" satisfies `${TransactionsUpdateStatus}`)) {
          throw new PartnerError("Plaid has not pulled this Item's transactions yet", {
            partner: PARTNER,
            code: "PRODUCT_NOT_READY",
            permanent: false,
          });
        }
        if (
          status === ("INITIAL_UPDATE_COMPLETE" satisfies `${TransactionsUpdateStatus}`) &&
          !config.acceptInitialUpdate
        ) {
          throw new PartnerError("Plaid has only the first 30 days of this Item's history so far", {
            partner: PARTNER,
            code: "HISTORICAL_UPDATE_PENDING",
            permanent: false,
          });
        }
        return [...byId.values()];
      }
      if (page >= MAX_SYNC_PAGES) {
        throw invalidResponse("transactionsSync", `still has_more after ${MAX_SYNC_PAGES} pages`);
      }
      cursor = data.next_cursor;
    }
  }

  return {
    name: "plaid",

    async createLinkToken({ clientUserId, webhookUrl, signal }) {
      const webhook = webhookUrl ?? config.webhookUrl;
      const data = await call("linkTokenCreate", signal, (options, client) =>
        client.linkTokenCreate(
          {
            client_name: clientName,
            language: "en",
            country_codes: ["US" as CountryCode],
            products: ["transactions" as Products],
            user: { client_user_id: clientUserId },
            transactions: { days_requested: daysRequested },
            ...(webhook ? { webhook } : {}),
          },
          options,
        ),
      );
      if (!isRecord(data) || typeof data.link_token !== "string" || !data.link_token) {
        throw invalidResponse("linkTokenCreate", "answer without a link_token");
      }
      return { linkToken: data.link_token, expiration: String(data.expiration) };
    },

    async exchangePublicToken(publicToken, signal) {
      const data = await call("itemPublicTokenExchange", signal, (options, client) =>
        client.itemPublicTokenExchange({ public_token: publicToken }, options),
      );
      if (
        !isRecord(data) ||
        typeof data.access_token !== "string" ||
        !data.access_token ||
        typeof data.item_id !== "string"
      ) {
        throw invalidResponse("itemPublicTokenExchange", "answer without an access token");
      }
      return { accessToken: data.access_token, itemId: data.item_id };
    },

    async summarize(accessToken, signal): Promise<BankSummary> {
      const accounts = await balances(accessToken, signal);
      const transactions = await allTransactions(accessToken, signal);
      return summarizeBank({ accounts, transactions, asOf: isoDate(now()) });
    },

    verifyWebhook(rawBody, verificationHeader, at) {
      return verifier(rawBody, verificationHeader, at ?? new Date());
    },
  };
}

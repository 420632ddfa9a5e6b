/**
 * A local fake of Plaid's API for tests (and local runs): node:http on 127.0.0.1, port 0.
 * It speaks Plaid's wire format (docs/product/partners.md, "Plaid") for the five endpoints FlowPay
 * uses, checks the credentials on every call, answers errors in Plaid's shape
 * (`{ error_type, error_code, error_message, display_message, request_id }`), and signs
 * webhooks with an ES256 key it generated and serves from /webhook_verification_key/get.
 *
 * - Credentials: `client_id` / `secret` in the JSON body, or the `PLAID-CLIENT-ID` /
 *   `PLAID-SECRET` headers (body first, as Plaid does). Wrong or missing → 400
 *   INVALID_API_KEYS (INVALID_INPUT).
 * - Items: `items` holds every Item, keyed by public token. One is there from the start
 *   (`FAKE_PLAID_STANDARD_PUBLIC_TOKEN`, the data in `standardItem()`); `addItem` adds
 *   more. Exchange turns a public token into its Item's access token (again and again —
 *   the fake does not make public tokens single-use).
 * - /transactions/sync pages through the Item's `events` (added / modified / removed, in
 *   order) `pageSize` at a time (default 3, whatever `count` says — so `has_more` is
 *   true on the first page and the loop is exercised). Cursors are opaque strings.
 * - `failNext(n, status, options?)` makes the next n requests (optionally only those to
 *   one path, and after letting `skip` of them through) fail before the credential check,
 *   like an outage at Plaid's edge.
 *   `stallNext(n)` makes the next n requests never answer (until close).
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { type AddressInfo } from "node:net";
// Types only (nothing loaded at run time): every answer below is checked by `tsc` against the
// plaid SDK's response types with `satisfies`, so the fake cannot drift from Plaid's wire
// format without the type check failing (docs/partners/plaid.md).
import type * as Plaid from "plaid";
import { type SummaryAccount, type SummaryTransaction } from "./summary";
import {
  generateWebhookSigningKey,
  signWebhookBody,
  type SignWebhookOptions,
  type WebhookSigningKey,
} from "./webhook-signing";

const MAX_BODY_BYTES = 1_000_000;

export const FAKE_PLAID_STANDARD_PUBLIC_TOKEN = "public-fake-standard";

/** A transaction as the fake serves it (Plaid's fields, the ones FlowPay reads and a few more). */
export type FakeTransaction = SummaryTransaction & { iso_currency_code?: string | null };

export type FakeSyncEvent =
  | { kind: "added"; transaction: FakeTransaction }
  | { kind: "modified"; transaction: FakeTransaction }
  | { kind: "removed"; transactionId: string; accountId: string };

export type FakePlaidItem = {
  itemId: string;
  publicToken: string;
  accessToken: string;
  accounts: SummaryAccount[];
  /** What /transactions/sync reports, in order. */
  events: FakeSyncEvent[];
  /** Reported with the last page. Default HISTORICAL_UPDATE_COMPLETE. */
  updateStatus: string;
  /** When set, exchanging this Item's public token fails with this Plaid error (HTTP 400). */
  exchangeError?: { error_type: string; error_code: string; error_message: string };
};

export type FakePlaidRequest = {
  path: string;
  /** The JSON body as received (secrets included: this is a test double). */
  body: Record<string, unknown>;
  /** Where the credentials came from. */
  auth: "body" | "headers" | "none";
  /** The headers as received (lower-case names). */
  headers: Record<string, string | string[] | undefined>;
  /** What the fake answered (0 while stalled). */
  status: number;
};

export type FakeFailure = {
  status: number;
  /** Only requests to this path fail (others pass). */
  path?: string;
  /** Let this many matching requests through first. */
  skip?: number;
  error_type?: string;
  error_code?: string;
};

export type FakePlaid = {
  /** The `basePath` to give the adapter, e.g. http://127.0.0.1:43117 */
  url: string;
  /** Every request, oldest first, including rejected ones. */
  requests: FakePlaidRequest[];
  /** Items by public token. */
  items: Map<string, FakePlaidItem>;
  /** The ES256 key pair the fake signs webhooks with (its public JWK is served by kid). */
  webhookKey: WebhookSigningKey;
  /** The `Plaid-Verification` header for `body` (see SignWebhookOptions for the bad variants). */
  signWebhook(body: string, opts?: SignWebhookOptions): string;
  /** Adds an Item; `publicToken` defaults to a random one. */
  addItem(spec: {
    publicToken?: string;
    accounts: SummaryAccount[];
    transactions?: FakeTransaction[];
    events?: FakeSyncEvent[];
    updateStatus?: string;
    exchangeError?: FakePlaidItem["exchangeError"];
  }): FakePlaidItem;
  failNext(count: number, status: number, options?: Omit<FakeFailure, "status">): void;
  stallNext(count: number): void;
  /** Transactions page size (default 3). */
  pageSize: number;
  close(): Promise<void>;
};

/**
 * The standard Item: numbers chosen to be checked by hand (plaid.test.ts does). Summary
 * date 2025-03-31; with the page size of 3 its 12 events take 4 pages.
 */
/** An account as Plaid sends it (AccountBase: every required field present). */
function wireAccount(a: SummaryAccount): Plaid.AccountBase {
  return {
    account_id: a.account_id,
    name: `${a.subtype ?? a.type} account`,
    official_name: null,
    mask: a.mask ?? null,
    type: a.type as Plaid.AccountType,
    subtype: (a.subtype ?? null) as Plaid.AccountSubtype | null,
    balances: {
      limit: null,
      unofficial_currency_code: null,
      iso_currency_code: a.balances.iso_currency_code ?? "USD",
      available: a.balances.available,
      current: a.balances.current,
    },
  };
}

export function standardItem(): { accounts: SummaryAccount[]; events: FakeSyncEvent[] } {
  const checking = "fake-acc-checking";
  const savings = "fake-acc-savings";
  const card = "fake-acc-card";
  const tx = (
    id: string,
    account_id: string,
    date: string,
    amount: number,
    name: string,
    extra: Partial<FakeTransaction> = {},
  ): FakeTransaction => ({
    transaction_id: id,
    account_id,
    amount,
    date,
    name,
    merchant_name: null,
    pending: false,
    iso_currency_code: "USD",
    category: null,
    personal_finance_category: null,
    ...extra,
  });
  const wages = { personal_finance_category: { primary: "INCOME", detailed: "INCOME_WAGES" } };
  return {
    accounts: [
      {
        account_id: checking,
        type: "depository",
        subtype: "checking",
        mask: "1111",
        balances: { available: 250, current: 300, iso_currency_code: "USD" },
      },
      {
        account_id: savings,
        type: "depository",
        subtype: "savings",
        mask: "2222",
        balances: { available: null, current: 2000, iso_currency_code: "USD" },
      },
      {
        account_id: card,
        type: "credit",
        subtype: "credit card",
        mask: "3333",
        balances: { available: 1500, current: 500, iso_currency_code: "USD" },
      },
    ],
    events: [
      {
        kind: "added",
        transaction: tx("t-pay-1", checking, "2025-03-02", -2000, "ACME CORP PAYROLL", wages),
      },
      { kind: "added", transaction: tx("t-rent", checking, "2025-03-05", 1200, "OAKWOOD RENT") },
      { kind: "added", transaction: tx("t-dup", checking, "2025-03-10", 999, "DUPLICATE CHARGE") },
      // Page 2
      {
        kind: "added",
        transaction: tx("t-pay-2", checking, "2025-03-16", -1900, "ACME CORP PAYROLL", wages),
      },
      { kind: "added", transaction: tx("t-car", checking, "2025-03-20", 3000, "CAR DEALER") },
      {
        kind: "added",
        transaction: tx("t-od-fee", checking, "2025-03-21", 35, "OVERDRAFT ITEM FEE"),
      },
      // Page 3
      {
        kind: "added",
        transaction: tx("t-nsf-fee", checking, "2025-03-22", 35, "RETURNED ITEM", {
          category: ["Bank Fees", "Insufficient Funds"],
        }),
      },
      { kind: "added", transaction: tx("t-venmo", checking, "2025-03-25", -570, "VENMO CASHOUT") },
      {
        kind: "added",
        transaction: tx("t-pending", checking, "2025-03-30", 50, "GAS STATION", { pending: true }),
      },
      // Page 4
      { kind: "added", transaction: tx("t-card", card, "2025-03-15", 80, "RESTAURANT") },
      {
        kind: "modified",
        transaction: tx("t-pay-2", checking, "2025-03-16", -2000, "ACME CORP PAYROLL", wages),
      },
      { kind: "removed", transactionId: "t-dup", accountId: checking },
    ],
  };
}

function sameSecret(a: string, b: string): boolean {
  const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();
  return timingSafeEqual(digest(a), digest(b));
}

function requestId(): string {
  return randomBytes(8).toString("hex");
}

export async function startFakePlaid(options: {
  clientId: string;
  secret: string;
}): Promise<FakePlaid> {
  const { clientId, secret } = options;
  const requests: FakePlaidRequest[] = [];
  const items = new Map<string, FakePlaidItem>();
  const failures: FakeFailure[] = [];
  let stalls = 0;
  const stalled = new Set<ServerResponse>();
  const webhookKey = generateWebhookSigningKey();

  const fake = {
    pageSize: 3,
  };

  function addItem(spec: Parameters<FakePlaid["addItem"]>[0]): FakePlaidItem {
    const id = randomUUID();
    const item: FakePlaidItem = {
      itemId: `item-fake-${id}`,
      publicToken: spec.publicToken ?? `public-sandbox-${randomUUID()}`,
      accessToken: `access-sandbox-${id}`,
      accounts: spec.accounts,
      events:
        spec.events ??
        (spec.transactions ?? []).map((transaction) => ({ kind: "added" as const, transaction })),
      updateStatus: spec.updateStatus ?? "HISTORICAL_UPDATE_COMPLETE",
      ...(spec.exchangeError ? { exchangeError: spec.exchangeError } : {}),
    };
    items.set(item.publicToken, item);
    return item;
  }
  addItem({ publicToken: FAKE_PLAID_STANDARD_PUBLIC_TOKEN, ...standardItem() });

  function byAccessToken(token: unknown): FakePlaidItem | undefined {
    if (typeof token !== "string") return undefined;
    for (const item of items.values()) if (item.accessToken === token) return item;
    return undefined;
  }

  function sendJson(res: ServerResponse, status: number, body: unknown) {
    res.writeHead(status, { "Content-Type": "application/json; charset=utf-8" });
    res.end(JSON.stringify(body));
  }

  function sendError(
    res: ServerResponse,
    status: number,
    error_type: string,
    error_code: string,
    error_message: string,
  ) {
    sendJson(res, status, {
      error_type,
      error_code,
      error_message,
      display_message: null,
      request_id: requestId(),
    });
  }

  async function readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) throw new Error("body too large");
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks).toString("utf8");
  }

  function header(req: IncomingMessage, name: string): string | undefined {
    const value = req.headers[name];
    return typeof value === "string" ? value : undefined;
  }

  const cursorOf = (offset: number) => Buffer.from(`fake-cursor:${offset}`).toString("base64url");
  const offsetOf = (cursor: unknown): number | null => {
    if (cursor === undefined || cursor === null || cursor === "") return 0;
    if (typeof cursor !== "string") return null;
    const match = /^fake-cursor:(\d+)$/.exec(Buffer.from(cursor, "base64url").toString("utf8"));
    return match ? Number(match[1]) : null;
  };

  const routes: Record<string, (res: ServerResponse, body: Record<string, unknown>) => void> = {
    "/link/token/create"(res, body) {
      const name = body.client_name;
      const user = body.user as { client_user_id?: unknown } | undefined;
      const countries = body.country_codes;
      const products = body.products;
      const invalid = (field: string) =>
        sendError(res, 400, "INVALID_REQUEST", "INVALID_FIELD", `${field} is invalid`);
      if (typeof name !== "string" || name.length < 1 || name.length > 30) {
        return invalid("client_name");
      }
      if (typeof body.language !== "string" || !body.language) return invalid("language");
      if (!Array.isArray(countries) || countries.length === 0) return invalid("country_codes");
      if (!Array.isArray(products) || products.length === 0) return invalid("products");
      if (typeof user?.client_user_id !== "string" || !user.client_user_id) {
        return invalid("user.client_user_id");
      }
      if (body.webhook !== undefined && !/^https?:\/\/\S+$/.test(String(body.webhook))) {
        return invalid("webhook");
      }
      sendJson(res, 200, {
        link_token: `link-sandbox-${randomUUID()}`,
        expiration: new Date(Date.now() + 4 * 60 * 60 * 1000).toISOString(),
        request_id: requestId(),
      } satisfies Plaid.LinkTokenCreateResponse);
    },

    "/item/public_token/exchange"(res, body) {
      const item = typeof body.public_token === "string" ? items.get(body.public_token) : undefined;
      if (!item) {
        return sendError(
          res,
          400,
          "INVALID_INPUT",
          "INVALID_PUBLIC_TOKEN",
          "provided public token is in an invalid format. expected format: public-<environment>-<identifier>",
        );
      }
      if (item.exchangeError) {
        const e = item.exchangeError;
        return sendError(res, 400, e.error_type, e.error_code, e.error_message);
      }
      sendJson(res, 200, {
        access_token: item.accessToken,
        item_id: item.itemId,
        request_id: requestId(),
      } satisfies Plaid.ItemPublicTokenExchangeResponse);
    },

    "/accounts/balance/get"(res, body) {
      const item = byAccessToken(body.access_token);
      if (!item) {
        return sendError(
          res,
          400,
          "INVALID_INPUT",
          "INVALID_ACCESS_TOKEN",
          "provided access token is in an invalid format. expected format: access-<environment>-<identifier>",
        );
      }
      sendJson(res, 200, {
        accounts: item.accounts.map(wireAccount),
        item: {
          item_id: item.itemId,
          institution_id: "ins_fake",
          webhook: null,
          error: null,
          available_products: [],
          billed_products: ["transactions" as Plaid.Products],
          consent_expiration_time: null,
          update_type: "background" as Plaid.ItemUpdateTypeEnum,
        },
        request_id: requestId(),
      } satisfies Plaid.AccountsGetResponse);
    },

    "/transactions/sync"(res, body) {
      const item = byAccessToken(body.access_token);
      if (!item) {
        return sendError(
          res,
          400,
          "INVALID_INPUT",
          "INVALID_ACCESS_TOKEN",
          "provided access token is in an invalid format. expected format: access-<environment>-<identifier>",
        );
      }
      const offset = offsetOf(body.cursor);
      if (offset === null || offset > item.events.length) {
        return sendError(res, 400, "INVALID_INPUT", "INVALID_FIELD", "cursor is invalid");
      }
      const count = typeof body.count === "number" && body.count > 0 ? body.count : 100;
      const slice = item.events.slice(offset, offset + Math.min(count, fake.pageSize));
      const next = offset + slice.length;
      const hasMore = next < item.events.length;
      // Every field Plaid's Transaction requires (the SDK type says which), nulls where unknown.
      const full = (t: FakeTransaction): Plaid.Transaction => ({
        iso_currency_code: "USD",
        unofficial_currency_code: null,
        pending_transaction_id: null,
        authorized_date: null,
        authorized_datetime: null,
        datetime: null,
        account_owner: null,
        transaction_code: null,
        location: {
          address: null,
          city: null,
          region: null,
          postal_code: null,
          country: null,
          lat: null,
          lon: null,
          store_number: null,
        },
        payment_meta: {
          reference_number: null,
          ppd_id: null,
          payee: null,
          by_order_of: null,
          payer: null,
          payment_method: null,
          payment_processor: null,
          reason: null,
        },
        payment_channel: "other" as Plaid.TransactionPaymentChannelEnum,
        ...t,
        personal_finance_category: t.personal_finance_category ?? null,
      });
      sendJson(res, 200, {
        transactions_update_status: (hasMore
          ? "HISTORICAL_UPDATE_COMPLETE"
          : item.updateStatus) as Plaid.TransactionsUpdateStatus,
        accounts: item.accounts.map(wireAccount),
        added: slice.filter((e) => e.kind === "added").map((e) => full(e.transaction)),
        modified: slice.filter((e) => e.kind === "modified").map((e) => full(e.transaction)),
        removed: slice
          .filter((e) => e.kind === "removed")
          .map((e) => ({ transaction_id: e.transactionId, account_id: e.accountId })),
        next_cursor: cursorOf(next),
        has_more: hasMore,
        request_id: requestId(),
      } satisfies Plaid.TransactionsSyncResponse);
    },

    "/webhook_verification_key/get"(res, body) {
      if (body.key_id !== webhookKey.kid) {
        return sendError(
          res,
          400,
          "INVALID_INPUT",
          "INVALID_WEBHOOK_VERIFICATION_KEY_ID",
          "invalid key_id provided. note that key_ids are specific to Plaid environments, and verification requests must be made to the same environment that the webhook was sent from",
        );
      }
      const {
        alg = "ES256",
        use = "sig",
        created_at = 0,
        expired_at = null,
        ...jwk
      } = webhookKey.publicJwk;
      sendJson(res, 200, {
        key: { ...jwk, alg, use, created_at, expired_at },
        request_id: requestId(),
      } satisfies Plaid.WebhookVerificationKeyGetResponse);
    },
  };

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const path = new URL(req.url ?? "/", "http://fake.plaid.local").pathname;
    const record: FakePlaidRequest = {
      path,
      body: {},
      auth: "none",
      headers: { ...req.headers },
      status: 0,
    };
    requests.push(record);
    res.on("finish", () => {
      record.status = res.statusCode;
    });

    const raw = await readBody(req);
    let body: Record<string, unknown> = {};
    if (raw) {
      try {
        const parsed: unknown = JSON.parse(raw);
        if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) {
          body = parsed as Record<string, unknown>;
        }
      } catch {
        return sendError(
          res,
          400,
          "INVALID_REQUEST",
          "INVALID_BODY",
          "body could not be parsed as JSON",
        );
      }
    }
    record.body = body;

    if (stalls > 0) {
      stalls--;
      stalled.add(res);
      return;
    }
    const failureIndex = failures.findIndex((f) => f.path === undefined || f.path === path);
    const due = failures[failureIndex];
    if (due && due.skip) {
      due.skip -= 1;
    } else if (failureIndex >= 0) {
      const [failure] = failures.splice(failureIndex, 1);
      const f = failure as FakeFailure;
      const type =
        f.error_type ??
        (f.status === 429
          ? "RATE_LIMIT_EXCEEDED"
          : f.status >= 500
            ? "API_ERROR"
            : "INVALID_REQUEST");
      const code =
        f.error_code ??
        (f.status === 429
          ? "RATE_LIMIT"
          : f.status >= 500
            ? "INTERNAL_SERVER_ERROR"
            : "INVALID_FIELD");
      return sendError(res, f.status, type, code, `Injected failure (HTTP ${f.status})`);
    }

    if (req.method !== "POST") {
      return sendError(res, 405, "INVALID_REQUEST", "METHOD_NOT_ALLOWED", "use POST");
    }
    const route = routes[path];
    if (!route) return sendError(res, 404, "INVALID_REQUEST", "NOT_FOUND", `unknown path ${path}`);

    const fromBody = typeof body.client_id === "string" || typeof body.secret === "string";
    const givenId = fromBody ? body.client_id : header(req, "plaid-client-id");
    const givenSecret = fromBody ? body.secret : header(req, "plaid-secret");
    record.auth = fromBody ? "body" : givenId || givenSecret ? "headers" : "none";
    const authenticated = [
      sameSecret(typeof givenId === "string" ? givenId : "", clientId),
      sameSecret(typeof givenSecret === "string" ? givenSecret : "", secret),
    ].every(Boolean);
    if (!authenticated) {
      return sendError(
        res,
        400,
        "INVALID_INPUT",
        "INVALID_API_KEYS",
        "invalid client_id or secret provided",
      );
    }
    route(res, body);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        sendError(
          res,
          500,
          "API_ERROR",
          "INTERNAL_SERVER_ERROR",
          `Fake Plaid error: ${String(error)}`,
        );
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    items,
    webhookKey,
    signWebhook: (body, opts) => signWebhookBody(webhookKey, body, opts),
    addItem,
    failNext(count, status, opts = {}) {
      for (let i = 0; i < count; i++) failures.push({ status, ...opts });
    },
    stallNext(count) {
      stalls += count;
    },
    get pageSize() {
      return fake.pageSize;
    },
    set pageSize(size: number) {
      fake.pageSize = Math.max(1, Math.floor(size));
    },
    close() {
      for (const res of stalled) res.destroy();
      stalled.clear();
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrateDatabase } from "~/db/migrate";
import { newId } from "~/db/ids";
import { merchants } from "~/db/schema/index";

/**
 * In-process harness for route tests: points the app's configuration at a fresh database file
 * (before anything reads it), migrates it, and calls route loaders/actions with real Requests.
 * Import it first in a test file; each vitest file runs in its own process.
 */
const dataDir = mkdtempSync(join(tmpdir(), "flowpay-app-"));
process.env.FLOWPAY_ENV = "test";
process.env.DATA_DIR = dataDir;
process.env.DATABASE_URL = `file:${join(dataDir, "flowpay.db")}`;
process.env.APP_URL ??= "https://flowpay.test";
process.env.LOG_LEVEL = "silent";
process.env.CRM_RATE_LIMIT_PER_MINUTE ??= "100000";
process.env.CRM_READ_RATE_LIMIT_PER_MINUTE ??= "100000";

export const baseUrl = process.env.APP_URL;

export async function appDatabase() {
  const { getDatabase } = await import("~/app/db.server");
  const database = await getDatabase();
  await migrateDatabase(database);
  return database;
}

export async function createMerchant(overrides: Partial<typeof merchants.$inferInsert> = {}) {
  const database = await appDatabase();
  const id = newId("mer");
  const slug = overrides.slug ?? `merchant-${id.slice(-8)}`;
  await database.write((tx) =>
    tx.insert(merchants).values({ id, name: `Merchant ${slug}`, slug, ...overrides }),
  );
  const { createApiKey } = await import("~/app/crm/api-keys.server");
  const key = await createApiKey(database, { merchantSlug: slug, actor: { actorType: "system" } });
  return { id, slug, key: key.key, keyId: key.id };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the loaders and actions of any route
type RouteFn = (args: any) => unknown;

/** Calls a route's loader (GET) or action (anything else) like Remix would, returning the Response. */
export async function callRoute(
  route: { loader?: RouteFn; action?: RouteFn },
  init: {
    method?: string;
    path: string;
    params?: Record<string, string>;
    headers?: Record<string, string>;
    body?: string;
  },
): Promise<Response> {
  const method = init.method ?? "GET";
  const request = new Request(`${baseUrl}${init.path}`, {
    method,
    headers: init.headers,
    body: init.body,
  });
  const fn = method === "GET" ? route.loader : route.action;
  if (!fn) throw new Error(`route has no ${method === "GET" ? "loader" : "action"}`);
  return (await fn({ request, params: init.params ?? {}, context: {} })) as Response;
}

export function jsonHeaders(key: string, extra: Record<string, string> = {}) {
  return { Authorization: `Bearer ${key}`, "Content-Type": "application/json", ...extra };
}

import { baseUrl, appDatabase } from "./app-harness";
import { newId } from "~/db/ids";
import { operatorSessions, type OperatorRole } from "~/db/schema/index";

/**
 * FlowOps route tests: an operator with a signed-in (password + TOTP done) session, made
 * directly in the database, and a caller for loaders/actions that returns thrown Responses
 * (redirects, 403s) instead of throwing them. Import app-harness first in the test file.
 */
let counter = 0;

export async function signedInOperator(
  role: OperatorRole,
  options: { email?: string; name?: string } = {},
) {
  const database = await appDatabase();
  const { createOperator } = await import("~/app/ops/operators.server");
  const { sessionCookie, absoluteLifetimeMs } = await import("~/app/ops/session.server");
  counter += 1;
  const email = options.email ?? `${role}.${counter}.${Date.now().toString(36)}@flowpay.test`;
  const created = await createOperator(database, {
    email,
    name: options.name ?? `${role} ${counter}`,
    role,
    password: "correct horse battery staple",
    actor: { actorType: "system", actorId: "test" },
  });
  const sessionId = newId("ses");
  const now = Date.now();
  await database.write((tx) =>
    tx.insert(operatorSessions).values({
      id: sessionId,
      operatorId: created.id,
      mfaVerifiedAt: new Date(now),
      lastSeenAt: new Date(now),
      expiresAt: new Date(now + absoluteLifetimeMs),
    }),
  );
  const setCookie = await sessionCookie().serialize(sessionId);
  return { ...created, sessionId, cookie: setCookie.split(";")[0]! };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the loaders and actions of any route
type RouteFn = (args: any) => unknown;

/**
 * Calls a loader (GET) or an action (POST with a url-encoded form, from our own origin unless
 * `origin` says otherwise). Returns what the route returned, or the Response it threw.
 */
export async function callOps(
  route: { loader?: RouteFn; action?: RouteFn },
  init: {
    path: string;
    cookie?: string;
    form?: Record<string, string>;
    params?: Record<string, string>;
    origin?: string | null;
  },
): Promise<unknown> {
  const method = init.form ? "POST" : "GET";
  const url = new URL(init.path, baseUrl);
  const headers: Record<string, string> = { host: url.host, "user-agent": "vitest" };
  if (init.cookie) headers.cookie = init.cookie;
  if (init.form) {
    headers["content-type"] = "application/x-www-form-urlencoded";
    const origin = init.origin === undefined ? url.origin : init.origin;
    if (origin !== null) headers.origin = origin;
  }
  const request = new Request(url, {
    method,
    headers,
    body: init.form ? new URLSearchParams(init.form).toString() : undefined,
  });
  const fn = method === "GET" ? route.loader : route.action;
  if (!fn) throw new Error(`route has no ${method === "GET" ? "loader" : "action"}`);
  try {
    return unwrap(await fn({ request, params: init.params ?? {}, context: {} }));
  } catch (thrown) {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  }
}

/** Statuses of what `data(body, { status })` returned, keyed by the body callOps hands back. */
const statuses = new WeakMap<object, number>();

/** `data(body, init)` → its body (as a test reads it), remembering the status for statusOf. */
function unwrap(result: unknown) {
  const withInit = result as { type?: string; data?: unknown; init?: { status?: number } | null };
  if (withInit?.type !== "DataWithResponseInit") return result;
  const body = withInit.data;
  if (body && typeof body === "object") statuses.set(body, withInit.init?.status ?? 200);
  return body;
}

/** The status of a returned/thrown Response or of `data(…, { status })`, or 200 for plain data. */
export function statusOf(result: unknown): number {
  if (result instanceof Response) return result.status;
  if (result && typeof result === "object") return statuses.get(result) ?? 200;
  return 200;
}

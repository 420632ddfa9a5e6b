import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import type { z } from "zod";
import type { Database } from "~/db/client";
import { apiError } from "~/app/api/errors.server";
import { ApiFailure, parseOr422, readJsonBody } from "~/app/api/body.server";
import { apiHandler, methodNotAllowed } from "~/app/api/route.server";
import { getDatabase } from "~/app/db.server";
import { requireCrmCaller, type CrmCaller } from "./guard.server";
import { requestHash } from "./idempotency.server";
import { applicationIdParam, crmJson, idempotencyKeyOf } from "./respond.server";

/** What a CRM write's domain call answers: the body, its status, whether it was a replay. */
export type CrmReply = { body: unknown; status: number; replayed?: boolean };

/** The request as the domain call sees it, after every check `crmPost` makes. */
export type CrmPostContext<Input> = {
  database: Database;
  caller: CrmCaller;
  params: ActionFunctionArgs["params"];
  /** The `{applicationId}` of the URL, checked (only with `applicationId: true`). */
  applicationId: string;
  input: Input;
  /** `Idempotency-Key`, null when the request has none (never null with "required"). */
  key: string | null;
  /** The key with the body's hash, for the idempotency store; null without a key. */
  idempotency: { key: string; hash: string } | null;
};

/**
 * The action of every `POST /api/v1/crm/...` write (docs/product/api.md). They all ran the same
 * sequence by hand — only POST; the caller authenticated and charged (`requireCrmCaller`); the
 * application id of the URL checked; `Idempotency-Key` read (and, for a write that moves money,
 * required); the JSON body parsed against the route's schema (422 with the issues); the domain
 * call; the answer with the caller's RateLimit headers and `Idempotent-Replayed` on a replay —
 * and each new write copied it. One copy keeps the order of the checks (which error a bad
 * request gets) the same on every route; the route keeps its domain call and its metrics.
 */
export function crmPost<Schema extends z.ZodType = z.ZodNever>(
  options: {
    schema?: Schema;
    applicationId?: boolean;
    /** "optional" (default): read when sent; "required": 400 without; "none": not read. */
    idempotency?: "optional" | "required" | "none";
    /** The 400's message when a required key is missing. */
    keyRequiredMessage?: string;
  },
  handle: (context: CrmPostContext<z.infer<Schema>>) => Promise<CrmReply>,
) {
  return apiHandler(async ({ request, params }: ActionFunctionArgs) => {
    if (request.method !== "POST") return methodNotAllowed(request, ["POST"]);
    const caller = await requireCrmCaller(request);
    const applicationId = options.applicationId ? applicationIdParam(params.applicationId) : "";
    const mode = options.idempotency ?? "optional";
    const key = mode === "none" ? null : idempotencyKeyOf(request);
    if (mode === "required" && !key) {
      throw new ApiFailure(
        apiError(
          "bad_request",
          options.keyRequiredMessage ?? "An Idempotency-Key header is required",
        ),
      );
    }
    let input = undefined as z.infer<Schema>;
    let idempotency: CrmPostContext<unknown>["idempotency"] = null;
    if (options.schema) {
      const body = await readJsonBody(request);
      input = parseOr422(options.schema, body.value);
      if (key) idempotency = { key, hash: requestHash(body.value) };
    }
    const database = await getDatabase();
    const reply = await handle({
      database,
      caller,
      params,
      applicationId,
      input,
      key,
      idempotency,
    });
    return crmJson(
      reply.body,
      reply.status,
      caller.rateHeaders,
      reply.replayed ? { "Idempotent-Replayed": "true" } : {},
    );
  });
}

/** The loader of a POST-only CRM route: every other method is answered in the API's shape. */
export const crmPostOnly = apiHandler(async ({ request }: LoaderFunctionArgs) =>
  methodNotAllowed(request, ["POST"]),
);

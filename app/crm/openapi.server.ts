import { z } from "zod";
import {
  amountChangeRequest,
  amountChangeResponse,
  applicationResponse,
  errorResponse,
  offerFinancingRequest,
  offerFinancingResponse,
  prequalificationCreated,
  prequalificationRequest,
  prequalificationResponse,
  refundCreated,
  completionResponse,
  refundRequest,
  resendResponse,
} from "./schemas";
import { moneyPaths } from "./money-openapi";
import { idempotencyKeyHeader } from "./openapi-parts";
import { prequalificationPaths } from "~/app/prequal/openapi";
import { webhookEndpointPaths } from "~/app/webhooks/openapi";
import {
  createWebhookEndpointRequest,
  createdWebhookEndpointResponse,
  webhookEndpointListResponse,
  webhookEndpointResponse,
  webhookEventBody,
} from "~/app/webhooks/schemas";

type JsonSchema = Record<string, unknown>;

/** JSON Schema (2020-12, which OpenAPI 3.1 uses) of each named schema, refs pointing at components. */
function componentSchemas(entries: Record<string, z.ZodType>, io: "input" | "output") {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(entries)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, {
    io,
    target: "draft-2020-12",
    uri: (id) => `#/components/schemas/${id}`,
  }) as { schemas: Record<string, JsonSchema> };
  for (const schema of Object.values(schemas)) {
    delete schema.$schema;
    delete schema.$id;
  }
  return schemas;
}

const errorRef = { $ref: "#/components/schemas/Error" };
const errorResponses = (...codes: number[]) =>
  Object.fromEntries(
    codes.map((code) => [
      String(code),
      {
        description: errorDescriptions[code] ?? "Error",
        content: { "application/json": { schema: errorRef } },
      },
    ]),
  );

const errorDescriptions: Record<number, string> = {
  400: "`bad_request`: not JSON, wrong content type, body over 64 KiB, bad Idempotency-Key",
  401: "`unauthorized`: missing, invalid, expired or revoked API key",
  403: "`forbidden`: the merchant's account is suspended",
  404: "`not_found`: no such application for this merchant",
  409: "`idempotency_conflict` (same key, other body) or `invalid_state` (not allowed now)",
  422: "`validation_failed`: `details` lists every failing field",
  429: "`rate_limited`: see `Retry-After`",
  500: "`internal`: a bug, logged with `request_id`",
  503: "`unavailable`: the database cannot write right now (nothing was written); retry after `Retry-After` seconds",
};

const rateLimitHeaders = {
  "RateLimit-Limit": { schema: { type: "integer" }, description: "Requests allowed per minute" },
  "RateLimit-Remaining": {
    schema: { type: "integer" },
    description: "Requests left in the window",
  },
  "RateLimit-Reset": {
    schema: { type: "integer" },
    description: "Seconds until the window resets",
  },
};

const etagHeader = {
  ETag: {
    schema: { type: "string" },
    description: "Changes whenever any field of the application's body changes",
  },
};

/** One open application per CRM job (ADR 026) and what the answer says about the text (ADR 027). */
const offerFinancingDescription = [
  "**One open application per CRM job.** An application is open while the customer may still act and nothing is signed (`link_sent`/`link_created`, `in_progress`, `submitted`, `approved`, `manual_review`). Another offer for a job that has one — a double click, a retry after a timeout, without an `Idempotency-Key` — returns it: the same amount answers `200` with that application and its current link, and sends no second text. Another amount supersedes it: the old application becomes `canceled` (its `superseded_by` names the new one) and its link stops working, the customer is told by text (unless they opted out) that the old link was replaced, and a new application is answered `201` with `replaces_application_id`. A job whose application is signed (`offer_accepted`, `pending_funding`, `funded`, `lender_declined`) is refused with `409 invalid_state`; declined, canceled and expired applications no longer count. Two requests at once cannot both create: the database allows one open application per merchant and job.",
  "**What happened to the text** is in `sms_status`: `queued`, `suppressed_opted_out` (the number replied STOP; hand `apply_url` over yourself), `not_requested` (`send_sms` was false) or `skipped_duplicate`. `status` is `link_sent` only when a text was queued, otherwise `link_created`. Its delivery then shows in the application's own `sms_status` (`queued`, `sending`, `sent`, `delivered`, `undelivered`, `failed`, `suppressed`).",
  "**CRM ids the CRM can resolve.** For a merchant connected to FieldRoutes, with `crm` `fieldroutes`, `crm_customer_id` and `job.crm_job_id` are FieldRoutes' own numbers (`customerID`, `appointmentID`, e.g. `48213`): an id it can never find, such as `FR12345`, is refused with `422 validation_failed` naming the field, because nothing could ever be written back to it (ADR 080).",
].join("\n\n");

/** Polling the status resource (ADR 028). */
const pollingDescription = [
  "**Polling.** Reads (`GET`) have their own budget, 600 a minute per key and per client address by default (`CRM_READ_RATE_LIMIT_PER_MINUTE`), apart from the 100 writes. Send the last answer's `ETag` in `If-None-Match`: while nothing changed the answer is `304 Not Modified` with no body, and it uses none of the read budget (304s have a cap of their own, ten times the read budget, so a looping client is still stopped). Once a minute per application is plenty: a decision takes seconds, funding days.",
  "**Prefer being told.** Webhooks: register an endpoint (`POST /api/v1/crm/webhook-endpoints`) and every status change is pushed to you as it happens, signed; a connected FieldRoutes account also gets every status change written back as a note on the customer and a line on the appointment, with no polling at all.",
].join("\n\n");

const applicationIdParam = {
  name: "application_id",
  in: "path",
  required: true,
  schema: { type: "string", pattern: "^app_[0-9a-z]{26}$" },
};

/** The OpenAPI 3.1 document of every /api/v1 route, generated from the schemas that validate them. */
export function openApiDocument(serverUrl: string) {
  const schemas = {
    ...componentSchemas(
      {
        OfferFinancingRequest: offerFinancingRequest,
        PrequalificationRequest: prequalificationRequest,
        RefundRequest: refundRequest,
        AmountChangeRequest: amountChangeRequest,
        CreateWebhookEndpointRequest: createWebhookEndpointRequest,
      },
      "input",
    ),
    ...componentSchemas(
      {
        OfferFinancingResponse: offerFinancingResponse,
        PrequalificationCreated: prequalificationCreated,
        Prequalification: prequalificationResponse,
        Application: applicationResponse,
        ResendResponse: resendResponse,
        RefundCreated: refundCreated,
        CompletionResponse: completionResponse,
        AmountChangeResponse: amountChangeResponse,
        Error: errorResponse,
        WebhookEndpoint: webhookEndpointResponse,
        WebhookEndpointCreated: createdWebhookEndpointResponse,
        WebhookEndpointList: webhookEndpointListResponse,
        WebhookEvent: webhookEventBody,
      },
      "output",
    ),
  };
  const json = (ref: string, description: string) => ({
    description,
    headers: rateLimitHeaders,
    content: { "application/json": { schema: { $ref: `#/components/schemas/${ref}` } } },
  });
  return {
    openapi: "3.1.0",
    info: {
      title: "FlowPay API",
      version: "1.0.0",
      description:
        "Embedded consumer financing for home-service CRMs. Money is integer cents, rates are decimal strings, times are RFC 3339 UTC. Every response carries `X-Request-Id`.",
    },
    servers: [{ url: serverUrl }],
    security: [{ apiKey: [] }],
    paths: {
      "/api/v1/crm/offer-financing": {
        post: {
          operationId: "offerFinancing",
          summary: "Offer financing to a customer for a job (texts them the apply link)",
          description: offerFinancingDescription,
          parameters: [
            idempotencyKeyHeader(
              false,
              "A retry with the same key and body within 24 h returns the first response (and sends no second text); the same key with another body is 409 `idempotency_conflict`.",
            ),
          ],
          requestBody: {
            required: true,
            content: {
              "application/json": {
                schema: { $ref: "#/components/schemas/OfferFinancingRequest" },
              },
            },
          },
          responses: {
            "200": json(
              "OfferFinancingResponse",
              "The job already has an open application for this amount: that one, with its current link (`sms_status` `skipped_duplicate`: no second text)",
            ),
            "201": json(
              "OfferFinancingResponse",
              "Application opened (`replaces_application_id`: it superseded the job's open application, which had another amount); `status` `link_sent` when its text was queued, `link_created` when not (`sms_status` says why)",
            ),
            ...errorResponses(400, 401, 403, 409, 422, 429, 500, 503),
          },
        },
      },
      "/api/v1/crm/as-low-as": {
        get: {
          operationId: "asLowAs",
          summary: '"As low as" monthly payment for an estimate, with its advertising disclosure',
          description:
            "From the merchant's published pricing and plan: the best tier's lowest monthly payment for `amount_cents`, the APR and term ranges over every tier, and `disclosure`, the text Regulation Z §1026.24(d) requires wherever the payment is shown (terms of repayment, APR, subject to credit approval). Show `disclosure` with the payment. The same price as an embeddable HTML widget (no JavaScript, no cookies, cacheable, framable anywhere): `GET /widgets/as-low-as/{merchant_slug}?amount_cents=…`.",
          parameters: [
            {
              name: "amount_cents",
              in: "query",
              required: true,
              schema: { type: "integer", minimum: 1, maximum: 100_000_000 },
              description: "The estimate, in cents",
            },
          ],
          responses: {
            "200": {
              description: "The price",
              headers: rateLimitHeaders,
              content: {
                "application/json": {
                  schema: {
                    type: "object",
                    properties: {
                      amount_cents: { type: "integer" },
                      monthly_payment_cents: { type: "integer" },
                      term_months: { type: "integer" },
                      apr: { type: "string", examples: ["10.613"] },
                      apr_range: {
                        type: "object",
                        properties: { min: { type: "string" }, max: { type: "string" } },
                        required: ["min", "max"],
                      },
                      term_range_months: {
                        type: "object",
                        properties: { min: { type: "integer" }, max: { type: "integer" } },
                        required: ["min", "max"],
                      },
                      promotional: { type: "boolean" },
                      disclosure: { type: "string" },
                    },
                    required: [
                      "amount_cents",
                      "monthly_payment_cents",
                      "term_months",
                      "apr",
                      "apr_range",
                      "term_range_months",
                      "disclosure",
                    ],
                  },
                },
              },
            },
            ...errorResponses(401, 403, 422, 429, 500, 503),
          },
        },
      },
      "/api/v1/crm/applications/{application_id}": {
        get: {
          operationId: "getApplication",
          summary: "Status of an application, its decision, selected offer and loan",
          description: pollingDescription,
          parameters: [
            applicationIdParam,
            {
              name: "If-None-Match",
              in: "header",
              required: false,
              schema: { type: "string" },
              description:
                "The `ETag` of the last answer: while the application is unchanged the answer is `304` with no body, which uses none of the read budget",
            },
          ],
          responses: {
            "200": {
              ...json("Application", "The application"),
              headers: { ...rateLimitHeaders, ...etagHeader },
            },
            "304": {
              description:
                "Not Modified: nothing in the application changed since the `ETag` sent in `If-None-Match`; no body, no read budget used",
              headers: { ...rateLimitHeaders, ...etagHeader },
            },
            ...errorResponses(401, 403, 404, 429, 500, 503),
          },
        },
      },
      "/api/v1/crm/applications/{application_id}/resend": {
        post: {
          operationId: "resendLink",
          summary: "Text a new apply link (the old one stops working)",
          parameters: [applicationIdParam],
          responses: {
            "202": json(
              "ResendResponse",
              "A new link was issued (the old one revoked); `sms_status` says whether its text was queued or suppressed (the number opted out)",
            ),
            ...errorResponses(401, 403, 404, 409, 429, 500, 503),
          },
        },
      },
      "/api/v1/crm/applications/{application_id}/cancel": {
        post: {
          operationId: "cancelApplication",
          summary: "Cancel an application before the money moves",
          description:
            "Before the customer signs, the application simply ends. After the signature and before any disbursement is requested, the loan is withdrawn at the lender too and the customer is texted that they owe nothing. Once the disbursement has been requested (or the loan is funded) the answer is `409 invalid_state`: refund instead.",
          parameters: [applicationIdParam],
          responses: {
            "200": {
              description: "Canceled (also when it already was)",
              content: {
                "application/json": {
                  schema: {
                    type: "object",
                    properties: {
                      application_id: { type: "string" },
                      status: { const: "canceled" },
                    },
                    required: ["application_id", "status"],
                  },
                },
              },
            },
            ...errorResponses(401, 403, 404, 409, 429, 500, 503),
          },
        },
      },
      ...moneyPaths(errorResponses, rateLimitHeaders, applicationIdParam),
      ...prequalificationPaths(errorResponses, rateLimitHeaders),
      ...webhookEndpointPaths(errorResponses, rateLimitHeaders),
      "/api/v1/webhooks/twilio/status": {
        post: {
          operationId: "twilioStatusCallback",
          summary: "Twilio delivery reports (X-Twilio-Signature)",
          security: [],
          responses: {
            "204": { description: "Stored (once) and applied" },
            ...errorResponses(401),
          },
        },
      },
      "/api/v1/webhooks/twilio/inbound": {
        post: {
          operationId: "twilioInbound",
          summary: "Inbound texts: STOP/REVOKE/OPT OUT…, START/UNSTOP, HELP (X-Twilio-Signature)",
          security: [],
          responses: { "200": { description: "Empty TwiML" }, ...errorResponses(401) },
        },
      },
      "/api/v1/webhooks/plaid": {
        post: {
          operationId: "plaidWebhook",
          summary:
            "Plaid webhooks (Plaid-Verification, ES256 JWT over the body's SHA-256, at most 5 minutes old)",
          security: [],
          responses: {
            "200": { description: "Stored once (`accepted`) or a re-delivery (`duplicate`)" },
            ...errorResponses(400, 401),
            "503": {
              description:
                "`unavailable`: Plaid's verification key could not be fetched; Plaid retries",
              content: { "application/json": { schema: errorRef } },
            },
          },
        },
      },
      "/api/v1/webhooks/lender/{lender}": {
        post: {
          operationId: "lenderWebhook",
          summary:
            "Lender events (X-Lender-Signature: t=…,v1=HMAC-SHA256 of `t.body`, at most 5 minutes off); applied through the outbox",
          security: [],
          parameters: [
            {
              name: "lender",
              in: "path",
              required: true,
              description: "The lender's configured name, e.g. `mock`",
              schema: { type: "string" },
            },
          ],
          responses: {
            "200": {
              description:
                "`{ received: true, event_id, replayed }`: stored once; a replayed event id has no second effect",
            },
            ...errorResponses(400, 401, 404),
          },
        },
      },
      "/api/v1/crm/fieldroutes/callback": {
        get: {
          operationId: "crmOAuthCallback",
          summary:
            "OAuth 2.0 authorization-code callback for OAuth CRMs (started from /ops/merchants/{id}; operator session required; `state` single-use and bound to that session)",
          security: [],
          parameters: [
            { name: "code", in: "query", required: false, schema: { type: "string" } },
            { name: "state", in: "query", required: true, schema: { type: "string" } },
            { name: "error", in: "query", required: false, schema: { type: "string" } },
          ],
          responses: {
            "302": {
              description:
                "Back to `/ops/merchants/{id}?crm=…&oauth=connected|denied|failed` (or to the login page without a session)",
            },
            ...errorResponses(400, 403),
          },
        },
      },
      "/api/v1/webhooks/persona": {
        post: {
          operationId: "personaWebhook",
          summary:
            "Persona inquiry events (Persona-Signature, HMAC-SHA256; two pairs during a secret rotation)",
          security: [],
          responses: {
            "200": {
              description:
                "Stored once (`accepted`), a replay (`duplicate`) or not an inquiry event (`ignored`)",
            },
            ...errorResponses(400, 401),
          },
        },
      },
    },
    components: {
      securitySchemes: {
        apiKey: {
          type: "http",
          scheme: "bearer",
          description: "A merchant's API key (`fp_live_…` or `fp_test_…`), shown once at creation",
        },
      },
      schemas,
    },
  };
}

import { z } from "zod";
import {
  applicationResponse,
  errorResponse,
  offerFinancingRequest,
  offerFinancingResponse,
  resendResponse,
} from "./schemas";

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

const applicationIdParam = {
  name: "application_id",
  in: "path",
  required: true,
  schema: { type: "string", pattern: "^app_[0-9a-z]{26}$" },
};

/** The OpenAPI 3.1 document of every /api/v1 route, generated from the schemas that validate them. */
export function openApiDocument(serverUrl: string) {
  const schemas = {
    ...componentSchemas({ OfferFinancingRequest: offerFinancingRequest }, "input"),
    ...componentSchemas(
      {
        OfferFinancingResponse: offerFinancingResponse,
        Application: applicationResponse,
        ResendResponse: resendResponse,
        Error: errorResponse,
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
          parameters: [
            {
              name: "Idempotency-Key",
              in: "header",
              required: false,
              schema: { type: "string", maxLength: 255 },
              description:
                "A retry with the same key and body within 24 h returns the first response (and sends no second text); the same key with another body is 409 `idempotency_conflict`.",
            },
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
            "201": json(
              "OfferFinancingResponse",
              "Application opened; the link is texted unless `send_sms` is false",
            ),
            ...errorResponses(400, 401, 403, 409, 422, 429, 500),
          },
        },
      },
      "/api/v1/crm/applications/{application_id}": {
        get: {
          operationId: "getApplication",
          summary: "Status of an application, its decision, selected offer and loan",
          parameters: [applicationIdParam],
          responses: {
            "200": json("Application", "The application"),
            ...errorResponses(401, 403, 404, 429, 500),
          },
        },
      },
      "/api/v1/crm/applications/{application_id}/resend": {
        post: {
          operationId: "resendLink",
          summary: "Text a new apply link (the old one stops working)",
          parameters: [applicationIdParam],
          responses: {
            "202": json("ResendResponse", "A new link was issued and its text queued"),
            ...errorResponses(401, 403, 404, 409, 429, 500),
          },
        },
      },
      "/api/v1/crm/applications/{application_id}/cancel": {
        post: {
          operationId: "cancelApplication",
          summary: "Cancel an application before the customer accepts an offer",
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
            ...errorResponses(401, 403, 404, 409, 429, 500),
          },
        },
      },
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

/**
 * The outbound webhook routes in the OpenAPI document (app/crm/openapi.server.ts spreads these
 * in): docs/product/merchants-and-money.md, "Outbound webhooks".
 */
type Responses = (...codes: number[]) => Record<string, unknown>;

export const webhookDeliveryDescription = [
  '**Deliveries.** Each event is one `POST` to every enabled endpoint that subscribes to it, with the body `{ id, type, created_at, data: { application } }` — `data.application` is the `GET /api/v1/crm/applications/{id}` resource as of the event — and the headers `FlowPay-Event-Id: evt_…` and `FlowPay-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`. Verify the signature over the raw body before parsing it, and refuse a `t` more than 5 minutes from now (see the example at /docs/api#webhook-signatures).',
  "**Retries.** A `2xx` answer within 10 seconds is delivered; anything else (another status, a timeout, a refused connection) is retried with growing delays for up to 3 days, with the same event id and body every time, then dead-lettered (visible, and re-sendable, in the merchant portal's delivery log). Delivery is at least once: dedupe on `FlowPay-Event-Id`. An endpoint that has failed for 3 days is disabled and the merchant's owners are e-mailed.",
  "**Events:** `application.created`, `application.submitted`, `application.approved`, `application.declined`, `application.manual_review`, `application.offer_accepted`, `application.canceled`, `application.expired`, `loan.pending_funding`, `loan.awaiting_completion`, `loan.funded`, `loan.lender_declined`, `loan.refunded`, `prequalification.completed`. Subscribe with exact types, `application.*`, `loan.*` or `*`.",
  "**Addresses.** The URL must be `https://` and its host must resolve only to public addresses (no private, loopback, link-local, unique-local or metadata address); the check is repeated at every delivery, on the address actually connected to.",
].join("\n\n");

const endpointIdParam = {
  name: "endpoint_id",
  in: "path",
  required: true,
  schema: { type: "string", pattern: "^whe_[0-9a-z]{26}$" },
};

export function webhookEndpointPaths(
  errorResponses: Responses,
  rateLimitHeaders: Record<string, unknown>,
) {
  const json = (ref: string, description: string) => ({
    description,
    headers: rateLimitHeaders,
    content: { "application/json": { schema: { $ref: `#/components/schemas/${ref}` } } },
  });
  return {
    "/api/v1/crm/webhook-endpoints": {
      post: {
        operationId: "createWebhookEndpoint",
        summary: "Register a webhook endpoint (its signing secret is shown only in this answer)",
        description: webhookDeliveryDescription,
        requestBody: {
          required: true,
          content: {
            "application/json": {
              schema: { $ref: "#/components/schemas/CreateWebhookEndpointRequest" },
            },
          },
        },
        responses: {
          "201": json(
            "WebhookEndpointCreated",
            "Created; `secret` (`whsec_…`) signs every delivery and is never shown again",
          ),
          ...errorResponses(400, 401, 403, 422, 429, 500, 503),
        },
      },
      get: {
        operationId: "listWebhookEndpoints",
        summary: "The merchant's webhook endpoints (without their secrets)",
        responses: {
          "200": json("WebhookEndpointList", "`{ data: [endpoint…] }`, oldest first"),
          ...errorResponses(401, 403, 429, 500),
        },
      },
    },
    "/api/v1/crm/webhook-endpoints/{endpoint_id}": {
      delete: {
        operationId: "deleteWebhookEndpoint",
        summary: "Delete a webhook endpoint: it gets no more deliveries",
        parameters: [endpointIdParam],
        responses: {
          "204": { description: "Deleted", headers: rateLimitHeaders },
          ...errorResponses(401, 403, 404, 429, 500, 503),
          "404": {
            description:
              "`not_found`: no such webhook endpoint for this merchant (or already deleted)",
            content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
          },
        },
      },
    },
  };
}

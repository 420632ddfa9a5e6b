import { idempotencyKeyHeader, type Responses } from "~/app/crm/openapi-parts";

/**
 * The prequalification routes of the CRM API in the OpenAPI document (app/crm/openapi.server.ts
 * spreads these in). docs/product/merchants-and-money.md, "Prequalification"; ADR 066.
 */

const createDescription = [
  "**A soft pull before the estimate is final.** Upserts the customer by `crm_customer_id` (as offer-financing does) and opens a prequalification with its own link (`apply_url`), texted to the customer when `send_sms` (the merchant attests the customer asked for it; an opted-out number gets no text). The customer confirms the identity data you sent — nothing is typed again — gives date of birth, SSN, income and housing cost, authorizes a **soft** inquiry (never a hard pull; the page says so) and sees at once: prequalified up to an amount, sample monthly payments, valid 30 days, not a commitment to lend — or the adverse action notice, as for any decline.",
  "**Then offer financing with `prequalification_id`** (`POST /api/v1/crm/offer-financing`, same `crm_customer_id`) while it is `prequalified`: the application reuses what the customer gave (nothing is asked twice) and, while the prequalification is valid and for the same person, its soft pull — the decision's record says so.",
  "Same `Authorization`, `Idempotency-Key` (24 h; the same key with another body is `409 idempotency_conflict`), rate limits and error shape as offer-financing.",
].join("\n\n");

export function prequalificationPaths(
  errorResponses: Responses,
  rateLimitHeaders: Record<string, unknown>,
) {
  const json = (ref: string, description: string, headers: Record<string, unknown> = {}) => ({
    description,
    headers: { ...rateLimitHeaders, ...headers },
    content: { "application/json": { schema: { $ref: `#/components/schemas/${ref}` } } },
  });
  return {
    "/api/v1/crm/prequalifications": {
      post: {
        operationId: "createPrequalification",
        summary: "Prequalify a customer with a soft pull (texts them the link)",
        description: createDescription,
        parameters: [
          idempotencyKeyHeader(
            false,
            "A retry with the same key and body within 24 h returns the first response (and sends no second text)",
          ),
        ],
        requestBody: {
          required: true,
          content: {
            "application/json": {
              schema: { $ref: "#/components/schemas/PrequalificationRequest" },
            },
          },
        },
        responses: {
          "201": json("PrequalificationCreated", "The prequalification and its link"),
          ...errorResponses(400, 401, 403, 409, 422, 429, 500, 503),
        },
      },
    },
    "/api/v1/crm/prequalifications/{prequalification_id}": {
      get: {
        operationId: "getPrequalification",
        summary: "Status of a prequalification: the amount and how long it is valid, no reasons",
        description:
          "`max_amount_cents` and `valid_until` are set while `prequalified`. There are no reasons: the merchant is not the creditor (the customer has them in their adverse action notice). `ETag`/`If-None-Match` and the read budget as for an application: a `304` costs no read budget.",
        parameters: [
          {
            name: "prequalification_id",
            in: "path",
            required: true,
            schema: { type: "string", pattern: "^pq_[0-9a-z]{26}$" },
          },
          {
            name: "If-None-Match",
            in: "header",
            required: false,
            schema: { type: "string" },
          },
        ],
        responses: {
          "200": json("Prequalification", "The prequalification", {
            ETag: { schema: { type: "string" } },
          }),
          "304": { description: "Not Modified: unchanged since the `ETag` sent" },
          ...errorResponses(401, 403, 404, 429, 500, 503),
        },
      },
    },
  };
}

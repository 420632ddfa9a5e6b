/**
 * Pieces every group of CRM API paths in the OpenAPI document uses (offer-financing, money,
 * prequalification), so the same header is documented the same way everywhere.
 */

/** The error responses of a path, by HTTP status (built once in openapi.server.ts). */
export type Responses = (...codes: number[]) => Record<string, unknown>;

/**
 * The `Idempotency-Key` request header (ADR 019): what a replay with the key does is the
 * path's own `description`. Keys of 1–255 characters; `required` where a write moves money.
 */
export function idempotencyKeyHeader(required: boolean, description: string) {
  return {
    name: "Idempotency-Key",
    in: "header",
    required,
    schema: { type: "string", minLength: 1, maxLength: 255 },
    description,
  };
}

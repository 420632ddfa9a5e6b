import { idempotencyKeyHeader, type Responses } from "./openapi-parts";

/**
 * The money-after-the-signature routes of the CRM API in the OpenAPI document
 * (app/crm/openapi.server.ts spreads these in): refunds and amount changes
 * and the job's completion (docs/product/merchants-and-money.md, "Money after the signature";
 * ADRs 050, 053, 054).
 */

const refundDescription = [
  "**A full or partial refund of a funded loan.** The lender reduces the loan (or closes it, for the whole amount) and confirms with its own signed event; the refund is then `completed`, the application `partially_refunded` or `refunded`, and the loan's `refunded_cents` in `GET /api/v1/crm/applications/{id}` says how much. The customer is texted and e-mailed, and a connected FieldRoutes account gets a note. You repay the refunded amount less the merchant fee's proportional part (clawed back from your next payouts).",
  "**Never more than funded.** The refunds of a loan (pending ones included) never add up to more than was funded; a larger `amount_cents` is `422 validation_failed` (path `amount_cents`) saying how much is left. Two requests at once cannot both take the last dollars.",
  "**`Idempotency-Key` is required** (`400 bad_request` without it): a refund moves money. The same key answers with the same refund (`201`, header `Idempotent-Replayed: true`, its current `status`); the same key for another amount is `409 idempotency_conflict`. An application that is not funded is `409 invalid_state`; another merchant's is `404`.",
].join("\n\n");

const amountDescription = [
  "**A new amount before the money moves** (the application approved or signed, no disbursement requested). Within the approved maximum (the pricing tier's and your plan's) and still affordable, the amount is priced again under the same approval — new APR, finance charge, payment and schedule — the application goes back to `approved`, and the customer is texted (and e-mailed) a link to review and sign the new agreement (`outcome: resign`, `apply_url`). Lower or higher, the disclosure changes, so the signature must too. The agreement already signed stays on file, superseded, and a loan the lender had booked is withdrawn there.",
  "**Above the approved maximum** the application is decided again: it goes to FlowPay's review queue with the new amount (`outcome: new_decision`, `status: manual_review`); you are told the outcome as with any decision. The same amount again changes nothing (`outcome: unchanged`).",
  "**Refused** with `409 invalid_state` once the loan is funded or its disbursement requested (refund instead), and before a decision (send offer-financing with the new amount: it replaces the application).",
].join("\n\n");

const completeDescription = [
  "**The job is done** (funding on completion: your plan pays when the customer confirms the work). The application must be `awaiting_completion` — signed, booked at the lender, not yet paid (a progress plan may have paid its first part: the loan's `released_cents`). The customer gets a text and an e-mail with a single-use \u201cJob is done — release payment\u201d link; releasing it requests the disbursement (`pending_funding`, then `funded`). Without an answer the payment releases itself 7 days later (`auto_release_at`); if the customer reports a problem, the payment waits while FlowPay reviews it.",
  "**Idempotent.** Marking a job complete again answers the same, with `release_link_sent: false`, and sends nothing. An `Idempotency-Key` replays the first answer (header `Idempotent-Replayed: true`); the same key for another application is `409 idempotency_conflict`. Any other status is `409 invalid_state`; another merchant's application is `404`.",
].join("\n\n");

export function moneyPaths(
  errorResponses: Responses,
  rateLimitHeaders: Record<string, unknown>,
  applicationIdParam: Record<string, unknown>,
) {
  const json = (ref: string, description: string, examples?: Record<string, unknown>) => ({
    description,
    headers: rateLimitHeaders,
    content: {
      "application/json": {
        schema: { $ref: `#/components/schemas/${ref}` },
        ...(examples ? { examples } : {}),
      },
    },
  });
  return {
    "/api/v1/crm/applications/{application_id}/refunds": {
      post: {
        operationId: "refundApplication",
        summary: "Refund part or all of a funded loan",
        description: refundDescription,
        parameters: [
          applicationIdParam,
          idempotencyKeyHeader(
            true,
            "Required. The same key answers with the same refund; the same key with another amount is 409 `idempotency_conflict`.",
          ),
        ],
        requestBody: {
          required: true,
          content: {
            "application/json": {
              schema: { $ref: "#/components/schemas/RefundRequest" },
              examples: {
                half: {
                  summary: "Half of a $7,500 job",
                  value: { amount_cents: 375000, reason: "Customer canceled half the job" },
                },
                full: {
                  summary: "The whole loan",
                  value: { amount_cents: 750000, reason: "Job canceled" },
                },
              },
            },
          },
        },
        responses: {
          "201": json(
            "RefundCreated",
            "Requested from the lender (`pending`); a replay of the same Idempotency-Key answers the refund's current status",
            {
              pending: {
                value: {
                  refund_id: "rf_01jq7x8m2k3n4p5q6r7s8t9v0w",
                  status: "pending",
                  amount_cents: 375000,
                },
              },
            },
          ),
          ...errorResponses(400, 401, 403, 404, 409, 422, 429, 500, 503),
        },
      },
    },
    "/api/v1/crm/applications/{application_id}/complete": {
      post: {
        operationId: "completeJob",
        summary: "Mark the job complete: the customer is asked to release the payment",
        description: completeDescription,
        parameters: [
          applicationIdParam,
          idempotencyKeyHeader(
            false,
            "Optional. The same key replays the first answer; the same key for another application is 409 `idempotency_conflict`.",
          ),
        ],
        responses: {
          "200": json("CompletionResponse", "Marked complete (or already was)", {
            marked: {
              value: {
                application_id: "app_01jq7x8m2k3n4p5q6r7s8t9v0w",
                status: "awaiting_completion",
                completed_at: "2026-12-07T15:04:05.000Z",
                auto_release_at: "2026-12-14T15:04:05.000Z",
                release_link_sent: true,
              },
            },
          }),
          ...errorResponses(400, 401, 403, 404, 409, 429, 500, 503),
        },
      },
    },
    "/api/v1/crm/applications/{application_id}/amount": {
      post: {
        operationId: "changeAmount",
        summary: "Change the amount before funding (re-priced and re-signed, or decided again)",
        description: amountDescription,
        parameters: [applicationIdParam],
        requestBody: {
          required: true,
          content: {
            "application/json": {
              schema: { $ref: "#/components/schemas/AmountChangeRequest" },
              examples: {
                lower: { summary: "The job got smaller", value: { amount_cents: 600000 } },
              },
            },
          },
        },
        responses: {
          "200": json("AmountChangeResponse", "The amount changed (or already was this)", {
            resign: {
              summary: "Re-priced within the approval: the customer signs again",
              value: {
                application_id: "app_01jq7x8m2k3n4p5q6r7s8t9v0w",
                status: "approved",
                amount_cents: 600000,
                previous_amount_cents: 750000,
                outcome: "resign",
                apply_url: "https://flowpay.example/apply/…",
                sms_status: "queued",
              },
            },
            new_decision: {
              summary: "Above the approved maximum: decided again",
              value: {
                application_id: "app_01jq7x8m2k3n4p5q6r7s8t9v0w",
                status: "manual_review",
                amount_cents: 2600000,
                previous_amount_cents: 750000,
                outcome: "new_decision",
                apply_url: null,
                sms_status: "queued",
              },
            },
          }),
          ...errorResponses(400, 401, 403, 404, 409, 422, 429, 500, 503),
        },
      },
    },
  };
}

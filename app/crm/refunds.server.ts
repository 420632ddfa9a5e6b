/**
 * The CRM API's refunds (docs/product/merchants-and-money.md, "Money after the signature";
 * ADR 053): the merchant's request in its scope, answered in docs/product/api.md's error shape.
 * The rules themselves — never more than funded minus refunded, Idempotency-Key replays, the
 * lender asked exactly once — are app/lending/refunds.server.ts's.
 */
import type { Database } from "~/db/client";
import { apiError } from "~/app/api/errors.server";
import { ApiFailure } from "~/app/api/body.server";
import { RefundError, requestRefund } from "~/app/lending/refunds.server";
import type { CrmCaller } from "./guard.server";
import type { RefundRequestBody } from "./schemas";

export async function refundForCaller(
  database: Database,
  caller: CrmCaller,
  applicationId: string,
  body: RefundRequestBody,
  idempotencyKey: string,
) {
  try {
    const { refund, replayed } = await requestRefund(database, {
      merchantId: caller.merchant.id,
      applicationId,
      amountCents: body.amount_cents,
      reason: body.reason,
      idempotencyKey,
      actor: { actorType: "api_key", actorId: caller.keyId },
    });
    return {
      replayed,
      body: { refund_id: refund.id, status: refund.status, amount_cents: refund.amountCents },
    };
  } catch (error) {
    if (!(error instanceof RefundError)) throw error;
    const details =
      error.code === "validation_failed"
        ? [{ path: "amount_cents", message: error.message }]
        : undefined;
    throw new ApiFailure(apiError(error.code, error.message, details ? { details } : {}));
  }
}

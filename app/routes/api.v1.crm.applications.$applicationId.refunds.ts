import { refundForCaller } from "~/app/crm/refunds.server";
import { refundRequest } from "~/app/crm/schemas";
import { crmPost, crmPostOnly } from "~/app/crm/post.server";

/**
 * POST /api/v1/crm/applications/{id}/refunds (docs/product/merchants-and-money.md): a full or
 * partial refund of a funded loan. `Idempotency-Key` is required — a refund moves money, and a
 * retried request must never refund twice.
 */
export const action = crmPost(
  {
    schema: refundRequest,
    applicationId: true,
    idempotency: "required",
    keyRequiredMessage: "An Idempotency-Key header is required to request a refund",
  },
  async ({ database, caller, applicationId, input, key }) => {
    const result = await refundForCaller(database, caller, applicationId, input, key!);
    return { body: result.body, status: 201, replayed: result.replayed };
  },
);

export const loader = crmPostOnly;

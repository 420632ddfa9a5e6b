import { changeAmountForCaller } from "~/app/crm/amount.server";
import { amountChangeRequest } from "~/app/crm/schemas";
import { crmPost, crmPostOnly } from "~/app/crm/post.server";

/**
 * POST /api/v1/crm/applications/{id}/amount (docs/product/merchants-and-money.md): a new amount
 * before the money moves — re-priced and re-signed within the approval, decided again above it.
 * Repeating the same amount changes nothing (`outcome: "unchanged"`).
 */
export const action = crmPost(
  { schema: amountChangeRequest, applicationId: true, idempotency: "none" },
  async ({ database, caller, applicationId, input }) => ({
    body: await changeAmountForCaller(database, caller, applicationId, input.amount_cents),
    status: 200,
  }),
);

export const loader = crmPostOnly;

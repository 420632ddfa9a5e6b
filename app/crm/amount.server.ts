/**
 * The CRM API's amount change (docs/product/merchants-and-money.md, ADR 054): the merchant's
 * request in its scope, answered in docs/product/api.md's shapes. The rules are
 * app/lending/amount-change.server.ts's.
 */
import type { Database } from "~/db/client";
import { apiError } from "~/app/api/errors.server";
import { ApiFailure } from "~/app/api/body.server";
import { AmountChangeError, changeAmount } from "~/app/lending/amount-change.server";
import type { CrmCaller } from "./guard.server";
import type { AmountChangeResponse } from "./schemas";

export async function changeAmountForCaller(
  database: Database,
  caller: CrmCaller,
  applicationId: string,
  amountCents: number,
): Promise<AmountChangeResponse> {
  try {
    const changed = await changeAmount(database, {
      merchantId: caller.merchant.id,
      applicationId,
      amountCents,
      actor: {
        actorType: "api_key",
        actorId: caller.keyId,
        ip: caller.ip,
        userAgent: caller.userAgent,
      },
    });
    return {
      application_id: changed.applicationId,
      status: changed.status,
      amount_cents: changed.amountCents,
      previous_amount_cents: changed.previousAmountCents,
      outcome: changed.outcome,
      apply_url: changed.applyUrl,
      sms_status: changed.smsStatus,
    };
  } catch (error) {
    if (error instanceof AmountChangeError) {
      throw new ApiFailure(apiError(error.code, error.message));
    }
    throw error;
  }
}

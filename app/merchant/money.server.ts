import type { Database } from "~/db/client";
import { ApiFailure } from "~/app/api/body.server";
import type { ApplicationStatus } from "~/db/schema/applications";
import { cancelable, cancelForMerchant } from "~/app/crm/lifecycle.server";
import {
  AmountChangeError,
  amountChangeable,
  changeAmount,
} from "~/app/lending/amount-change.server";
import { signedCancelable } from "~/app/lending/cancel.server";
import { RefundError, requestRefund } from "~/app/lending/refunds.server";
import { markJobComplete, ReleaseStateError } from "~/app/lending/release.server";
import { formatMoney } from "~/app/money/dollars";
import type { PortalContext } from "./guard.server";
import type { MoneyAction, MoneyIntent } from "./money";

/**
 * The portal's money actions: the same domain functions the CRM API's routes call
 * (app/crm/completion.server.ts, lifecycle.server.ts, amount.server.ts, refunds.server.ts), in the
 * signed-in user's merchant scope, audited as that user (ADR 073). An application that is not this
 * merchant's is `not_found` (the route answers 404); any other refusal comes back in plain words.
 */
export type MoneyOutcome =
  | { ok: true; notice: string }
  | { ok: false; notFound: boolean; field: "amount" | "reason" | "form"; message: string };

/**
 * The actions that make sense for an application that is `status`, from the lending modules' own
 * status sets (the domain functions still decide: e.g. a disbursement already requested is a
 * refusal shown on the page).
 */
export function moneyActionsFor(status: ApplicationStatus): MoneyIntent[] {
  const actions: MoneyIntent[] = [];
  if (status === "awaiting_completion") actions.push("complete");
  if (amountChangeable.has(status)) actions.push("amount");
  if (cancelable.has(status) || signedCancelable.has(status)) actions.push("cancel");
  if (status === "funded" || status === "partially_refunded") actions.push("refund");
  return actions;
}

type Who = Pick<PortalContext, "scope" | "user" | "client">;

const refused = (field: "amount" | "reason" | "form", message: string): MoneyOutcome => ({
  ok: false,
  notFound: false,
  field,
  message,
});
const missing: MoneyOutcome = { ok: false, notFound: true, field: "form", message: "Not found" };

/** The lending modules' status words, for people ("pending_funding" → "pending funding"). */
const plain = (message: string) =>
  message.replace(/\b([a-z]+)_([a-z_]+)\b/g, (w) => w.replaceAll("_", " "));

export async function runMoneyAction(
  database: Database,
  who: Who,
  applicationId: string,
  action: MoneyAction,
): Promise<MoneyOutcome> {
  const merchantId = who.scope.merchantId;
  const actor = {
    actorType: "merchant_user" as const,
    actorId: who.user.id,
    ip: who.client.ip,
    userAgent: who.client.userAgent,
  };
  // Another merchant's id is not found whatever the form says (ADR 060), before any domain rule.
  if (!(await who.scope.application(database.db, applicationId))) return missing;
  switch (action.intent) {
    case "complete": {
      try {
        const done = await database.write(async (tx) => {
          // The release module trusts its caller's scope (ADR 050): this is it.
          if (!(await who.scope.application(tx, applicationId))) return null;
          return markJobComplete(tx, { applicationId, actor });
        });
        if (!done) return missing;
        return {
          ok: true,
          notice:
            done.kind === "marked"
              ? "Marked complete. We asked the customer to release the payment."
              : "This job was already marked complete.",
        };
      } catch (error) {
        if (!(error instanceof ReleaseStateError)) throw error;
        return error.code === "not_found" ? missing : refused("form", plain(error.message));
      }
    }
    case "amount": {
      try {
        const changed = await changeAmount(database, {
          merchantId,
          applicationId,
          amountCents: action.amount,
          actor,
        });
        const notice = {
          unchanged: "The amount is unchanged.",
          resign: `Amount changed to ${formatMoney(changed.amountCents)}. The customer signs again for the new amount.`,
          new_decision: `Amount changed to ${formatMoney(changed.amountCents)}. It is above the approval, so FlowPay reviews it first.`,
        }[changed.outcome];
        return { ok: true, notice };
      } catch (error) {
        if (!(error instanceof AmountChangeError)) throw error;
        return error.code === "not_found" ? missing : refused("amount", plain(error.message));
      }
    }
    case "cancel": {
      try {
        await cancelForMerchant(
          database,
          { merchantId, actor, reason: action.reason },
          applicationId,
        );
        return { ok: true, notice: "The financing is canceled. We told the customer." };
      } catch (error) {
        if (!(error instanceof ApiFailure)) throw error;
        const body = (await error.response.clone().json()) as {
          error: { code: string; message: string };
        };
        return body.error.code === "not_found"
          ? missing
          : refused("form", plain(body.error.message));
      }
    }
    case "refund": {
      try {
        const { refund, replayed } = await requestRefund(database, {
          merchantId,
          applicationId,
          amountCents: action.amount,
          reason: action.reason,
          idempotencyKey: action.idempotencyKey,
          actor: { actorType: "merchant_user", actorId: who.user.id },
        });
        return {
          ok: true,
          notice: replayed
            ? `This refund of ${formatMoney(refund.amountCents)} was already requested: it is not sent twice.`
            : `Refund of ${formatMoney(refund.amountCents)} requested. The lender returns it to the customer; it is taken from your next payout.`,
        };
      } catch (error) {
        if (!(error instanceof RefundError)) throw error;
        if (error.code === "not_found") return missing;
        const left = /more than the (\d+) left/.exec(error.message);
        if (left) {
          return refused(
            "amount",
            `That is more than the ${formatMoney(Number(left[1]))} left to refund on this loan`,
          );
        }
        if (error.code === "idempotency_conflict") {
          return refused("form", "This form was already used for another refund: reload the page");
        }
        return refused(
          error.code === "validation_failed" ? "amount" : "form",
          plain(error.message),
        );
      }
    }
  }
}

import { and, eq, inArray, ne } from "drizzle-orm";
import type { Database, Tx } from "~/db/client";
import { applications } from "~/db/schema/index";
import { openApplicationStatuses } from "~/db/schema/applications";
import { apiError } from "~/app/api/errors.server";
import { ApiFailure } from "~/app/api/body.server";
import { audit } from "~/app/audit/audit.server";
import { issueLink, revokeLinks } from "~/app/borrower/links.server";
import { enqueueCrmSync } from "~/app/crm-sync/enqueue.server";
import { CancelError, cancelSignedIn, signedCancelable } from "~/app/lending/cancel.server";
import { isOptedOut, queueSms } from "~/app/messaging/sms.server";
import { crmStatus, effectiveStatus } from "./applications.server";
import type { CrmCaller } from "./guard.server";
import { merchantScope } from "./merchant-scope.server";
import type { SmsRequestStatus } from "./schemas";

type Status = (typeof applications.$inferSelect)["status"];

/** A new link makes sense while the borrower still has something to do on it. */
const resendable = new Set<Status>([
  "link_sent",
  "in_progress",
  "expired",
  "approved",
  "manual_review",
]);
/** Only before the borrower accepts an offer (docs/product/api.md); signed: signedCancelable. */
export const cancelable: ReadonlySet<Status> = new Set<Status>([
  "link_sent",
  "in_progress",
  "submitted",
  "approved",
  "manual_review",
  "expired",
]);

/** The signed application's cancellation, its refusals in the API's error shape. */
async function cancelSignedOr409(tx: Tx, input: Parameters<typeof cancelSignedIn>[1]) {
  try {
    await cancelSignedIn(tx, input);
  } catch (error) {
    if (error instanceof CancelError) throw new ApiFailure(apiError(error.code, error.message));
    throw error;
  }
}

function notFound(id: string) {
  return new ApiFailure(apiError("not_found", `No application ${id}`));
}

/**
 * POST …/resend: a new link (the old one revoked) and, unless the number opted out, a new text;
 * the answer says which (`sms_status`, ADR 027).
 */
export async function resendLink(database: Database, caller: CrmCaller, applicationId: string) {
  const scope = merchantScope(caller.merchant.id);
  return database.write(async (tx) => {
    const row = await scope.application(tx, applicationId);
    if (!row) throw notFound(applicationId);
    const details = await scope.applicationDetails(tx, applicationId);
    const status = effectiveStatus(row.applications, details.link);
    if (!resendable.has(status)) {
      throw new ApiFailure(
        apiError("invalid_state", `A link cannot be resent while the application is ${status}`),
      );
    }
    if (status === "expired") {
      // Reviving it must not make a second open application for the job (ADR 026).
      const newer = await tx
        .select({ id: applications.id })
        .from(applications)
        .where(
          and(
            eq(applications.merchantId, caller.merchant.id),
            eq(applications.serviceJobId, row.applications.serviceJobId),
            ne(applications.id, applicationId),
            inArray(applications.status, [...openApplicationStatuses]),
          ),
        )
        .get();
      if (newer) {
        throw new ApiFailure(
          apiError(
            "invalid_state",
            `This job has a newer open application (${newer.id}); resend that one's link instead`,
          ),
        );
      }
    }
    const link = await issueLink(tx, applicationId);
    const nextStatus: Status = status === "expired" ? "link_sent" : row.applications.status;
    // An opted-out number gets no text: the message is stored suppressed and the answer says so.
    const optedOut = await isOptedOut(tx, row.customers.phone);
    await tx
      .update(applications)
      .set({ status: nextStatus })
      .where(eq(applications.id, applicationId));
    await queueSms(
      tx,
      {
        to: row.customers.phone,
        applicationId,
        merchantId: caller.merchant.id,
        template: "apply_link",
        merchantName: caller.merchant.name,
        amountCents: row.applications.amountCents,
        url: link.url,
      },
      { optedOut },
    );
    await audit(tx, {
      actorType: "api_key",
      actorId: caller.keyId,
      action: "application.resend_link",
      entityType: "application",
      entityId: applicationId,
      ip: caller.ip,
      userAgent: caller.userAgent,
    });
    return {
      application_id: applicationId,
      status: crmStatus(nextStatus, optedOut ? "suppressed" : "queued"),
      apply_url: link.url,
      expires_at: link.expiresAt.toISOString(),
      sms_sent: !optedOut,
      sms_status: (optedOut ? "suppressed_opted_out" : "queued") satisfies SmsRequestStatus,
    };
  });
}

/**
 * POST …/cancel: before the money moves. Before the signature it is our own business; after it
 * (offer_accepted, pending_funding, awaiting_completion with no disbursement requested) the loan
 * is withdrawn at the lender too (app/lending/cancel.server.ts, ADR 055). The borrower's link
 * stops working at once.
 */
export async function cancelApplication(
  database: Database,
  caller: CrmCaller,
  applicationId: string,
) {
  return cancelForMerchant(
    database,
    {
      merchantId: caller.merchant.id,
      actor: {
        actorType: "api_key",
        actorId: caller.keyId,
        ip: caller.ip,
        userAgent: caller.userAgent,
      },
    },
    applicationId,
  );
}

/** Who cancels: the CRM API's key or a portal user, in one merchant's scope, and why. */
export type MerchantCanceler = {
  merchantId: string;
  actor: Parameters<typeof cancelSignedIn>[1]["actor"];
  reason?: string | null;
};

/** The cancellation itself, for the CRM API and the merchant portal alike (refusals: ApiFailure). */
export async function cancelForMerchant(
  database: Database,
  who: MerchantCanceler,
  applicationId: string,
) {
  const scope = merchantScope(who.merchantId);
  return database.write(async (tx) => {
    const row = await scope.application(tx, applicationId);
    if (!row) throw notFound(applicationId);
    const current = row.applications.status;
    if (current === "canceled")
      return { application_id: applicationId, status: "canceled" as const };
    const details = await scope.applicationDetails(tx, applicationId);
    const status = effectiveStatus(row.applications, details.link);
    if (signedCancelable.has(status)) {
      await cancelSignedOr409(tx, {
        applicationId,
        merchantId: who.merchantId,
        by: "merchant",
        reason: who.reason ?? null,
        actor: who.actor,
      });
      return { application_id: applicationId, status: "canceled" as const };
    }
    if (!cancelable.has(status)) {
      throw new ApiFailure(
        apiError("invalid_state", `An application that is ${status} cannot be canceled`),
      );
    }
    const now = new Date();
    await tx
      .update(applications)
      .set({ status: "canceled", canceledAt: now })
      .where(eq(applications.id, applicationId));
    await revokeLinks(tx, applicationId, now.getTime());
    await enqueueCrmSync(tx, applicationId, "canceled");
    await audit(tx, {
      ...who.actor,
      action: "application.cancel",
      entityType: "application",
      entityId: applicationId,
      details: { from_status: status, ...(who.reason ? { reason: who.reason } : {}) },
    });
    return { application_id: applicationId, status: "canceled" as const };
  });
}

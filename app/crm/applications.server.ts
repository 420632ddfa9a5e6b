import type { applications } from "~/db/schema/index";
import type { ApplicationResponse } from "./schemas";
import type { MerchantScope } from "./merchant-scope.server";
import type { Database } from "~/db/client";

type ApplicationRow = typeof applications.$inferSelect;

/** Before the borrower finishes, an application whose link expired is "expired". */
const expirable = new Set<ApplicationRow["status"]>(["link_sent", "in_progress"]);

export function effectiveStatus(
  application: Pick<ApplicationRow, "status">,
  link: { expiresAt: Date; revokedAt: Date | null } | undefined,
  now = Date.now(),
): ApplicationRow["status"] {
  if (expirable.has(application.status) && link && link.expiresAt.getTime() <= now)
    return "expired";
  return application.status;
}

/**
 * The status a CRM sees: `link_sent` only when a text with the link was queued — a link that no
 * text carried (`send_sms` false, an opted-out number) is `link_created` (ADR 027). The stored
 * status stays `link_sent` either way: to the borrower's journey both are the same.
 */
export function crmStatus<S extends string>(
  status: S,
  latestSms: string | null | undefined,
): S | "link_created" {
  return status === "link_sent" && (!latestSms || latestSms === "suppressed")
    ? "link_created"
    : status;
}

const iso = (date: Date | null | undefined) => (date ? date.toISOString() : null);

/** The CRM's view of an application (docs/product/api.md `GET /api/v1/crm/applications/{id}`), or null for "not yours". */
export async function applicationView(
  database: Database,
  scope: MerchantScope,
  applicationId: string,
): Promise<ApplicationResponse | null> {
  const row = await scope.application(database.db, applicationId);
  if (!row) return null;
  const details = await scope.applicationDetails(database.db, applicationId);
  const { applications: app, customers: customer, service_jobs: job } = row;
  return {
    application_id: app.id,
    status: crmStatus(effectiveStatus(app, details.link), details.sms?.status),
    crm_customer_id: customer.crmCustomerId,
    crm_job_id: job.crmJobId,
    amount_cents: app.amountCents,
    decision: details.decision
      ? { status: details.decision.status, decided_at: details.decision.decidedAt.toISOString() }
      : null,
    selected_offer: details.selectedOffer
      ? {
          term_months: details.selectedOffer.termMonths,
          apr: details.selectedOffer.apr,
          monthly_payment_cents: details.selectedOffer.monthlyPaymentCents,
        }
      : null,
    loan: details.loan
      ? {
          status: details.loan.status,
          funded_amount_cents: details.loan.fundedAmountCents,
          funded_at: iso(details.loan.fundedAt),
          released_cents: details.loan.releasedCents,
          refunded_cents: details.refundedCents,
        }
      : null,
    sms_status: details.sms?.status ?? "not_sent",
    superseded_by: app.supersededById ?? null,
    link_expires_at: iso(details.link?.revokedAt ? null : details.link?.expiresAt),
    created_at: app.createdAt.toISOString(),
    updated_at: app.updatedAt.toISOString(),
  };
}

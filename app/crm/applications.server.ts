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

const iso = (ms: number | null | undefined) =>
  ms === null || ms === undefined ? null : new Date(ms).toISOString();

/** The CRM's view of an application (docs/product/api.md `GET /api/v1/crm/applications/{id}`), or null for "not yours". */
export async function applicationView(
  database: Database,
  scope: MerchantScope,
  applicationId: string,
): Promise<ApplicationResponse | null> {
  const row = await scope.statusRow(database.db, applicationId);
  if (!row) return null;
  const link =
    row.link_expires_at === null
      ? undefined
      : {
          expiresAt: new Date(row.link_expires_at),
          revokedAt: row.link_revoked_at === null ? null : new Date(row.link_revoked_at),
        };
  return {
    application_id: row.id,
    status: crmStatus(effectiveStatus(row, link), row.sms_status),
    crm_customer_id: row.crm_customer_id,
    crm_job_id: row.crm_job_id,
    amount_cents: row.amount_cents,
    decision:
      row.decision_status && row.decided_at !== null
        ? { status: row.decision_status, decided_at: iso(row.decided_at)! }
        : null,
    selected_offer:
      row.term_months !== null
        ? {
            term_months: row.term_months,
            apr: row.apr!,
            monthly_payment_cents: row.monthly_payment_cents!,
          }
        : null,
    loan: row.loan_id
      ? {
          status: row.loan_status!,
          funded_amount_cents: row.funded_amount_cents,
          funded_at: iso(row.funded_at),
          released_cents: row.released_cents ?? 0,
          refunded_cents: Number(row.refunded_cents ?? 0),
        }
      : null,
    sms_status: row.sms_status ?? "not_sent",
    superseded_by: row.superseded_by_id ?? null,
    link_expires_at: link && !link.revokedAt ? iso(row.link_expires_at) : null,
    created_at: iso(row.created_at)!,
    updated_at: iso(row.updated_at)!,
  };
}

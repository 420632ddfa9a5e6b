import type { Database } from "~/db/client";
import { isFieldRoutesId } from "~/adapters/fieldroutes/ids";
import { ApiFailure } from "~/app/api/body.server";
import { apiError } from "~/app/api/errors.server";
import { crmConnectionFor } from "~/app/crm-sync/connections.server";

/**
 * Refuses, before anything is written, CRM ids the merchant's connected CRM can never resolve
 * (ADR 080): with a FieldRoutes connection, a `crm_customer_id` or `crm_job_id` that is not a
 * FieldRoutes number (e.g. "FR12345") would make every write-back of the application fail — a
 * 422 `validation_failed` naming each field says so at intake instead. Without a connection (or
 * for another CRM) FlowPay writes nothing back to it and any id is kept as given.
 */
export async function refuseUnresolvableCrmIds(
  database: Database,
  merchantId: string,
  input: { crm: string; crm_customer_id: string; job?: { crm_job_id: string } },
): Promise<void> {
  if (input.crm !== "fieldroutes") return;
  const wrong = [
    { path: "crm_customer_id", id: input.crm_customer_id, what: "customer ids (customerID)" },
    ...(input.job
      ? [
          {
            path: "job.crm_job_id",
            id: input.job.crm_job_id,
            what: "appointment ids (appointmentID)",
          },
        ]
      : []),
  ].filter((field) => !isFieldRoutesId(field.id));
  if (wrong.length === 0) return;
  const connection = await crmConnectionFor(database.db, merchantId, "fieldroutes");
  if (!connection) return;
  const details = wrong.map((field) => ({
    path: field.path,
    message: `FieldRoutes ${field.what} are numbers; "${field.id}" can never be found in this merchant's FieldRoutes, so nothing could be written back to it`,
  }));
  throw new ApiFailure(
    apiError(
      "validation_failed",
      details.map((detail) => `${detail.path}: ${detail.message}`).join("; "),
      { details },
    ),
  );
}

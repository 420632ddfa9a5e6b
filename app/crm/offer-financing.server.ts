import { sql } from "drizzle-orm";
import type { Database } from "../../db/client";
import { newId } from "../../db/ids";
import { applications, customers, serviceJobs } from "../../db/schema/index";
import { apiError } from "~/api/errors.server";
import { ApiFailure } from "~/api/body.server";
import { audit } from "~/audit/audit.server";
import { issueLink } from "~/borrower/links.server";
import { enqueueCrmSync } from "~/crm-sync/enqueue.server";
import { queueSms } from "~/messaging/sms.server";
import { formatUsd } from "~/messaging/templates";
import type { CrmCaller } from "./guard.server";
import { findIdempotent, storeIdempotent, type StoredResponse } from "./idempotency.server";
import type { OfferFinancingRequest } from "./schemas";

export type OfferFinancingResult = StoredResponse & { replayed: boolean; applicationId?: string };

/**
 * POST /api/v1/crm/offer-financing: upsert the customer and the CRM job by their CRM ids, open an
 * application with a fresh borrower link and (unless told not to) record and enqueue the text —
 * all in one transaction with the Idempotency-Key record, so a retry after a crash returns the
 * first answer and never texts twice.
 */
export async function offerFinancing(
  database: Database,
  caller: Pick<CrmCaller, "merchant" | "keyId" | "ip" | "userAgent">,
  input: OfferFinancingRequest,
  idempotency: { key: string; hash: string } | null,
): Promise<OfferFinancingResult> {
  const { merchant } = caller;
  const amount = input.job.estimate_cents;
  if (amount < merchant.minAmountCents || amount > merchant.maxAmountCents) {
    const message = `Must be between ${formatUsd(merchant.minAmountCents)} and ${formatUsd(merchant.maxAmountCents)} for this merchant`;
    throw new ApiFailure(
      apiError("validation_failed", `job.estimate_cents: ${message}`, {
        details: [{ path: "job.estimate_cents", message }],
      }),
    );
  }

  return database.write(async (tx) => {
    if (idempotency) {
      const found = await findIdempotent(tx, merchant.id, idempotency.key, idempotency.hash);
      if (found.kind === "replay") return { ...found.response, replayed: true };
      if (found.kind === "conflict") {
        throw new ApiFailure(
          apiError(
            "idempotency_conflict",
            "This Idempotency-Key was already used with a different body",
          ),
        );
      }
    }
    const now = Date.now();
    const c = input.customer;
    const customerValues = {
      firstName: c.first_name,
      lastName: c.last_name,
      email: c.email ?? null,
      phone: c.phone,
      addressLine1: c.address?.line1 ?? null,
      city: c.address?.city ?? null,
      state: c.address?.state ?? null,
      postalCode: c.address?.postal_code ?? null,
    };
    // Upserts by CRM id, one statement each: the unique (merchant, CRM id) indexes decide.
    const [customer] = await tx
      .insert(customers)
      .values({
        id: newId("cus", now),
        merchantId: merchant.id,
        crmCustomerId: input.crm_customer_id,
        ...customerValues,
      })
      .onConflictDoUpdate({
        target: [customers.merchantId, customers.crmCustomerId],
        set: { ...customerValues, updatedAt: new Date(now) },
      })
      .returning({ id: customers.id });
    const jobValues = { description: input.job.description ?? null, estimateCents: amount };
    // A CRM job belongs to one customer: the update applies only when it is this customer's.
    const [job] = await tx
      .insert(serviceJobs)
      .values({
        id: newId("job", now),
        merchantId: merchant.id,
        customerId: customer!.id,
        crmJobId: input.job.crm_job_id,
        ...jobValues,
      })
      .onConflictDoUpdate({
        target: [serviceJobs.merchantId, serviceJobs.crmJobId],
        set: { ...jobValues, updatedAt: new Date(now) },
        setWhere: sql`${serviceJobs.customerId} = excluded.customer_id`,
      })
      .returning({ id: serviceJobs.id });
    if (!job) {
      const message = "This CRM job belongs to another customer";
      throw new ApiFailure(
        apiError("validation_failed", `job.crm_job_id: ${message}`, {
          details: [{ path: "job.crm_job_id", message }],
        }),
      );
    }

    const applicationId = newId("app", now);
    await tx.insert(applications).values({
      id: applicationId,
      merchantId: merchant.id,
      customerId: customer!.id,
      serviceJobId: job.id,
      crm: input.crm,
      status: "link_sent",
      amountCents: amount,
    });
    const link = await issueLink(tx, applicationId, now, { fresh: true });
    await enqueueCrmSync(tx, applicationId, "link_sent");
    if (input.send_sms) {
      await queueSms(tx, {
        to: c.phone,
        applicationId,
        merchantId: merchant.id,
        template: "apply_link",
        merchantName: merchant.name,
        amountCents: amount,
        url: link.url,
      });
    }
    await audit(tx, {
      actorType: "api_key",
      actorId: caller.keyId,
      action: "application.create",
      entityType: "application",
      entityId: applicationId,
      ip: caller.ip,
      userAgent: caller.userAgent,
      details: { crm: input.crm, amount_cents: amount, send_sms: input.send_sms },
    });
    const response: StoredResponse = {
      status: 201,
      body: JSON.stringify({
        application_id: applicationId,
        status: "link_sent",
        apply_url: link.url,
        expires_at: link.expiresAt.toISOString(),
      }),
    };
    if (idempotency)
      await storeIdempotent(tx, merchant.id, idempotency.key, idempotency.hash, response, now);
    return { ...response, replayed: false, applicationId };
  });
}

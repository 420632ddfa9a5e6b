import type { Database } from "../../db/client";
import { newId } from "../../db/ids";
import { insertSql } from "../../db/sql-tx";
import { apiError } from "~/api/errors.server";
import { ApiFailure } from "~/api/body.server";
import { ProgramFailure, type ProgramResult, type Step } from "../../db/native-writer.mjs";
import { nudgeRunner } from "../../jobs/nudge.server";
import { auditStep } from "~/audit/audit.server";
import { linkSteps } from "~/borrower/links.server";
import { crmSyncSteps } from "~/crm-sync/enqueue.server";
import { smsSteps } from "~/messaging/sms.server";
import { formatUsd } from "~/messaging/templates";
import type { CrmCaller } from "./guard.server";
import {
  idempotencyLookupStep,
  idempotencyStoreStep,
  idempotentAnswer,
  type StoredResponse,
} from "./idempotency.server";
import type { OfferFinancingRequest } from "./schemas";

// Plain SQL, kept compiled by the writer thread: this transaction is most of the intake's cost
// (ADR 019). Columns not named take their defaults.
const customerColumns = [
  "first_name",
  "last_name",
  "email",
  "phone",
  "address_line1",
  "city",
  "state",
  "postal_code",
];
const upsertCustomer = insertSql(
  "customers",
  ["id", "merchant_id", "crm_customer_id", ...customerColumns, "created_at", "updated_at"],
  `ON CONFLICT (merchant_id, crm_customer_id) DO UPDATE SET
    ${[...customerColumns, "updated_at"].map((column) => `${column} = ?`).join(", ")}
  RETURNING id`,
);
const upsertJob = insertSql(
  "service_jobs",
  [
    "id",
    "merchant_id",
    "customer_id",
    "crm_job_id",
    "description",
    "estimate_cents",
    "created_at",
    "updated_at",
  ],
  `ON CONFLICT (merchant_id, crm_job_id) DO UPDATE SET
    description = ?, estimate_cents = ?, updated_at = ?
    WHERE service_jobs.customer_id = excluded.customer_id
  RETURNING id`,
);
const insertApplication = insertSql("applications", [
  "id",
  "merchant_id",
  "customer_id",
  "service_job_id",
  "crm",
  "status",
  "amount_cents",
  "created_at",
  "updated_at",
]);

export type OfferFinancingResult = StoredResponse & { replayed: boolean; applicationId?: string };

/**
 * POST /api/v1/crm/offer-financing: upsert the customer and the CRM job by their CRM ids, open an
 * application with a fresh borrower link and (unless told not to) record and enqueue the text —
 * all in one transaction with the Idempotency-Key record, so a retry after a crash returns the
 * first answer and never texts twice.
 *
 * The transaction is a write program (ADR 019): everything that needs no database — ids, the
 * link token, the encrypted text, the answer — is prepared here, and the statements run in the
 * database writer thread, the customer's and the job's ids passed from step to step there.
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

  const now = Date.now();
  const applicationId = newId("app", now);
  const link = linkSteps(applicationId, now, { fresh: true });
  const response: StoredResponse = {
    status: 201,
    body: JSON.stringify({
      application_id: applicationId,
      status: "link_sent",
      apply_url: link.url,
      expires_at: link.expiresAt.toISOString(),
    }),
  };
  const c = input.customer;
  const customerValues = [
    c.first_name,
    c.last_name,
    c.email ?? null,
    c.phone,
    c.address?.line1 ?? null,
    c.address?.city ?? null,
    c.address?.state ?? null,
    c.address?.postal_code ?? null,
  ];
  const description = input.job.description ?? null;
  const steps: Step[] = [
    ...(idempotency ? [idempotencyLookupStep(merchant.id, idempotency.key, now)] : []),
    // Upserts by CRM id, one statement each: the unique (merchant, CRM id) indexes decide.
    {
      sql: upsertCustomer,
      args: [
        newId("cus", now),
        merchant.id,
        input.crm_customer_id,
        ...customerValues,
        now,
        now,
        ...customerValues,
        now,
      ],
      returns: true,
      name: "customer",
    },
    // A CRM job belongs to one customer: the update applies only when it is this customer's,
    // and otherwise nothing comes back and the program stops (its writes roll back).
    {
      sql: upsertJob,
      args: [
        newId("job", now),
        merchant.id,
        { ref: "customer.id" },
        input.job.crm_job_id,
        description,
        amount,
        now,
        now,
        description,
        amount,
        now,
      ],
      returns: true,
      name: "job",
      failIfNoRow: "job_of_another_customer",
    },
    {
      sql: insertApplication,
      args: [
        applicationId,
        merchant.id,
        { ref: "customer.id" },
        { ref: "job.id" },
        input.crm,
        "link_sent",
        amount,
        now,
        now,
      ],
    },
    ...link.steps,
    ...crmSyncSteps(applicationId, "link_sent"),
    ...(input.send_sms
      ? smsSteps({
          to: c.phone,
          applicationId,
          merchantId: merchant.id,
          template: "apply_link",
          merchantName: merchant.name,
          amountCents: amount,
          url: link.url,
        }).steps
      : []),
    auditStep({
      actorType: "api_key",
      actorId: caller.keyId,
      action: "application.create",
      entityType: "application",
      entityId: applicationId,
      ip: caller.ip,
      userAgent: caller.userAgent,
      details: { crm: input.crm, amount_cents: amount, send_sms: input.send_sms },
    }),
    ...(idempotency
      ? [idempotencyStoreStep(merchant.id, idempotency.key, idempotency.hash, response, now)]
      : []),
  ];

  let result: ProgramResult;
  try {
    result = await database.writeProgram({ steps });
  } catch (error) {
    if (error instanceof ProgramFailure && error.code === "job_of_another_customer") {
      const message = "This CRM job belongs to another customer";
      throw new ApiFailure(
        apiError("validation_failed", `job.crm_job_id: ${message}`, {
          details: [{ path: "job.crm_job_id", message }],
        }),
      );
    }
    throw error;
  }
  if (result.kind === "returned") {
    const found = idempotentAnswer(result.row, idempotency!.hash);
    if (found.kind === "conflict") {
      throw new ApiFailure(
        apiError(
          "idempotency_conflict",
          "This Idempotency-Key was already used with a different body",
        ),
      );
    }
    return { ...found.response, replayed: true };
  }
  // The text and the CRM write-back are committed: wake this process's job runner.
  nudgeRunner();
  return { ...response, replayed: false, applicationId };
}

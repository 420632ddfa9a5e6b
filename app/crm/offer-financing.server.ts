import type { Database } from "~/db/client";
import { openApplicationStatuses, signedApplicationStatuses } from "~/db/schema/applications";
import { newId } from "~/db/ids";
import { insertSql } from "~/db/sql-tx";
import { apiError } from "~/app/api/errors.server";
import { ApiFailure } from "~/app/api/body.server";
import { ProgramFailure, type ProgramResult, type Step } from "~/db/native-writer.mjs";
import { nudgeRunner } from "~/jobs/nudge.server";
import { auditStep } from "~/app/audit/audit.server";
import { merchantSmsAttestation } from "~/app/borrower/consent-texts.server";
import { applyUrl, linkSteps, linkToken } from "~/app/borrower/links.server";
import { crmSyncSteps } from "~/app/crm-sync/enqueue.server";
import { optOutCheckStep, smsSteps } from "~/app/messaging/sms.server";
import { formatMoney } from "~/app/money/dollars";
import type { CrmCaller } from "./guard.server";
import {
  idempotencyLookupStep,
  idempotencyStoreStep,
  replayOrConflict,
  type StoredResponse,
} from "./idempotency.server";
import { crmStatus, effectiveStatus } from "./applications.server";
import { merchantScope } from "./merchant-scope.server";
import { refuseUnresolvableCrmIds } from "./crm-ids.server";
import { conversionSteps, convertiblePrequalification } from "~/app/prequal/convert.server";
import type { PrequalificationRow } from "~/app/prequal/prequalifications.server";
import type { OfferFinancingRequest, SmsRequestStatus } from "./schemas";

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
/** The CRM customer's values in `customerColumns` order. */
function customerRowValues(c: OfferFinancingRequest["customer"]) {
  return [
    c.first_name,
    c.last_name,
    c.email ?? null,
    c.phone,
    c.address?.line1 ?? null,
    c.address?.city ?? null,
    c.address?.state ?? null,
    c.address?.postal_code ?? null,
  ];
}
/**
 * The write-program step that upserts the customer by CRM id (the unique (merchant, CRM id)
 * index decides), named "customer" for the steps after it. Offer-financing and a
 * prequalification upsert the same row, so a later application finds what the borrower gave:
 * one step, so the two cannot drift in which fields they write.
 */
export function upsertCustomerStep(
  merchantId: string,
  crmCustomerId: string,
  customer: OfferFinancingRequest["customer"],
  now: number,
): Step {
  const values = customerRowValues(customer);
  return {
    sql: upsertCustomer,
    args: [newId("cus", now), merchantId, crmCustomerId, ...values, now, now, ...values, now],
    returns: true,
    name: "customer",
  };
}

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

const sqlList = (values: readonly string[]) => values.map((value) => `'${value}'`).join(", ");
const openList = sqlList(openApplicationStatuses);
// lender_declined: signed, then refused by a lender and rerouted — still never superseded.
const signedList = sqlList([...signedApplicationStatuses, "lender_declined"]);
const liveLink = `EXISTS (SELECT 1 FROM application_links l WHERE l.application_id = a.id
  AND l.revoked_at IS NULL AND l.expires_at > ?)`;

/**
 * The CRM job's application that a new offer must reckon with (ADR 026): a signed one (never
 * replaced), else the open one — not one whose link merely ran out (that one is expired).
 * Read before anything is written, so a program that stops here writes nothing.
 */
const findLiveApplication = `SELECT a.id, a.status, a.amount_cents, c.crm_customer_id,
    CASE WHEN a.status IN (${signedList}) THEN 1 ELSE 0 END AS signed
  FROM service_jobs j
  JOIN applications a ON a.service_job_id = j.id
  JOIN customers c ON c.id = a.customer_id
  WHERE j.merchant_id = ? AND j.crm_job_id = ?
    AND (a.status IN (${signedList}) OR a.status IN ('submitted', 'approved', 'manual_review')
      OR (a.status IN ('link_sent', 'in_progress') AND ${liveLink}))
  ORDER BY signed DESC, a.created_at DESC
  LIMIT 1`;

/**
 * Open applications of the job whose link ran out are stored as expired: no longer open. By the
 * job's own index: the planner otherwise took (merchant_id, status) and walked every open
 * application of the merchant on every intake (bench:intake fell round after round).
 */
const expireStale = `UPDATE applications INDEXED BY applications_job_idx SET status = 'expired', updated_at = ?
  WHERE merchant_id = ? AND service_job_id = ? AND status IN ('link_sent', 'in_progress')
    AND NOT ${liveLink.replace("a.id", "applications.id")}`;

/** The superseded application: canceled, pointing at its successor — only if still open. */
const supersede = `UPDATE applications SET status = 'canceled', canceled_at = ?,
    superseded_by_id = ?, updated_at = ?
  WHERE id = ? AND merchant_id = ? AND status IN (${openList})
  RETURNING id`;
const revokeLinks = `UPDATE application_links SET revoked_at = ?, updated_at = ?
  WHERE application_id = ? AND revoked_at IS NULL`;

type LiveApplication = {
  id: string;
  status: string;
  amount_cents: number;
  crm_customer_id: string;
  signed: number;
};

/**
 * Who offers: a CRM's API key, or a merchant user in the portal (app/merchant/send-link.server.ts,
 * which passes the user's id as `keyId` and `actorType: "merchant_user"` for the audit record).
 */
export type OfferCaller = Pick<CrmCaller, "merchant" | "keyId" | "ip" | "userAgent"> & {
  actorType?: "api_key" | "merchant_user";
};

/** The API's request; the portal's links say `crm: "portal"` (no CRM to write back to). */
export type OfferInput = Omit<OfferFinancingRequest, "crm"> & {
  crm: OfferFinancingRequest["crm"] | "portal";
};

export type OfferFinancingResult = StoredResponse & {
  replayed: boolean;
  /** The job's open application was returned (200): nothing created, no text. */
  duplicate?: boolean;
  applicationId?: string;
};

const jobOfAnotherCustomer = () => {
  const message = "This CRM job belongs to another customer";
  return new ApiFailure(
    apiError("validation_failed", `job.crm_job_id: ${message}`, {
      details: [{ path: "job.crm_job_id", message }],
    }),
  );
};

const isOpenJobConflict = (error: unknown) =>
  /UNIQUE constraint failed: applications\.merchant_id, applications\.service_job_id/.test(
    String((error as Error | undefined)?.message ?? error),
  );

/**
 * POST /api/v1/crm/offer-financing: upsert the customer and the CRM job by their CRM ids, open an
 * application with a fresh borrower link and (unless told not to, or the number opted out) record
 * and enqueue the text — all in one transaction with the Idempotency-Key record, so a retry after
 * a crash returns the first answer and never texts twice.
 *
 * One open application per merchant and CRM job (ADR 026): an offer for a job that has one
 * returns it (200, no second text) when the amount is the same, and otherwise supersedes it (the
 * old one canceled, its link revoked, the borrower told by text unless opted out) with a new
 * application (201). A job whose application is signed is refused (409). A partial unique index
 * backs this up, so two requests at once cannot both create.
 *
 * The transaction is a write program (ADR 019): everything that needs no database — ids, the
 * link token, the encrypted text, the answers — is prepared here, and the statements run in the
 * database writer thread, the customer's and the job's ids passed from step to step there.
 */
export async function offerFinancing(
  database: Database,
  caller: OfferCaller,
  input: OfferInput,
  idempotency: { key: string; hash: string } | null,
): Promise<OfferFinancingResult> {
  const { merchant } = caller;
  const amount = input.job.estimate_cents;
  if (amount < merchant.minAmountCents || amount > merchant.maxAmountCents) {
    const message = `Must be between ${formatMoney(merchant.minAmountCents)} and ${formatMoney(merchant.maxAmountCents)} for this merchant`;
    throw new ApiFailure(
      apiError("validation_failed", `job.estimate_cents: ${message}`, {
        details: [{ path: "job.estimate_cents", message }],
      }),
    );
  }

  // Ids the merchant's connected CRM could never resolve are refused here (ADR 080).
  await refuseUnresolvableCrmIds(database, merchant.id, input);

  // A prequalification to continue (ADR 066): checked before anything is written.
  const prequal = input.prequalification_id
    ? await convertiblePrequalification(
        database,
        merchant.id,
        input.prequalification_id,
        input.crm_customer_id,
      )
    : null;
  // The job's open application with another amount, once the first program found it.
  let replacing: LiveApplication | null = null;
  for (let attempt = 1; ; attempt++) {
    const now = Date.now();
    const plan = creationProgram(caller, input, idempotency, now, replacing, prequal);
    let result: ProgramResult;
    try {
      result = await database.writeProgram({ steps: plan.steps });
    } catch (error) {
      if (error instanceof ProgramFailure && error.code === "job_of_another_customer") {
        throw jobOfAnotherCustomer();
      }
      // Another request changed the job's application meanwhile (it superseded or created one,
      // possibly in another process): look again.
      const raced =
        (error instanceof ProgramFailure && error.code === "replaced_application_changed") ||
        isOpenJobConflict(error);
      if (raced && attempt < 3) {
        replacing = null;
        continue;
      }
      throw error;
    }
    if (result.kind === "returned" && result.step === "idempotency") {
      return replayOrConflict(result.row, idempotency!.hash);
    }
    if (result.kind === "returned") {
      // The job has an application already; nothing was written.
      const live = result.row as LiveApplication;
      if (live.crm_customer_id !== input.crm_customer_id) throw jobOfAnotherCustomer();
      if (live.signed) {
        throw new ApiFailure(
          apiError(
            "invalid_state",
            `CRM job ${input.job.crm_job_id} already has a signed financing agreement (application ${live.id}, ${live.status}); a signed application is never replaced`,
          ),
        );
      }
      if (live.amount_cents === amount) {
        return duplicateAnswer(database, caller, input, live.id, idempotency);
      }
      replacing = live;
      continue;
    }
    // The text and the CRM write-back are committed: wake this process's job runner.
    nudgeRunner();
    const optedOut = Boolean(plan.optOutStep && result.rows[plan.optOutStep]?.opted_out);
    return {
      ...(optedOut ? plan.responseIfOptedOut! : plan.response),
      replayed: false,
      applicationId: plan.applicationId,
    };
  }
}

/**
 * The write program that opens the application: it first looks for the job's live application
 * and stops there when there is one (unless it is the one this program supersedes).
 */
function creationProgram(
  caller: OfferCaller,
  input: OfferInput,
  idempotency: { key: string; hash: string } | null,
  now: number,
  replacing: LiveApplication | null,
  prequal: PrequalificationRow | null = null,
) {
  const { merchant } = caller;
  const amount = input.job.estimate_cents;
  const applicationId = newId("app", now);
  const link = linkSteps(applicationId, now, { fresh: true });
  const answer = (status: "link_sent" | "link_created", sms: SmsRequestStatus) => ({
    status: 201,
    body: JSON.stringify({
      application_id: applicationId,
      status,
      apply_url: link.url,
      expires_at: link.expiresAt.toISOString(),
      sms_status: sms,
      ...(replacing ? { replaces_application_id: replacing.id } : {}),
    }),
  });
  // Whether the number opted out is read inside the transaction: the answer and the stored
  // message agree with the opt-out list at commit (ADR 027).
  const optOutStep = input.send_sms ? "opt_out" : null;
  const response: StoredResponse = input.send_sms
    ? answer("link_sent", "queued")
    : answer("link_created", "not_requested");
  const responseIfOptedOut = optOutStep ? answer("link_created", "suppressed_opted_out") : null;

  const c = input.customer;
  const description = input.job.description ?? null;
  const replacedText = replacing
    ? input.send_sms
      ? // One text: the new link, saying that it replaces the old one.
        ({
          template: "apply_link_replaced",
          merchantName: merchant.name,
          amountCents: amount,
          url: link.url,
        } as const)
      : // No link to send (the CRM hands it over), but the old one stops working: say so.
        ({ template: "link_replaced", merchantName: merchant.name, amountCents: amount } as const)
    : null;
  const text = replacedText
    ? replacedText
    : input.send_sms
      ? ({
          template: "apply_link",
          merchantName: merchant.name,
          amountCents: amount,
          url: link.url,
        } as const)
      : null;
  const textOptOutStep = optOutStep ?? (text ? "opt_out" : null);

  const steps: Step[] = [
    ...(idempotency ? [idempotencyLookupStep(merchant.id, idempotency.key, now)] : []),
    ...(replacing
      ? ([
          // Still open? Otherwise another request got there first: the caller looks again.
          {
            sql: supersede,
            args: [now, applicationId, now, replacing.id, merchant.id],
            returns: true,
            name: "replaced",
            failIfNoRow: "replaced_application_changed",
          },
          { sql: revokeLinks, args: [now, now, replacing.id] },
        ] satisfies Step[])
      : [
          {
            sql: findLiveApplication,
            args: [merchant.id, input.job.crm_job_id, now],
            returns: true,
            returnIfRow: true,
            name: "live",
          } satisfies Step,
        ]),
    // Upserts by CRM id, one statement each: the unique (merchant, CRM id) indexes decide.
    upsertCustomerStep(merchant.id, input.crm_customer_id, c, now),
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
      // Not "job": outbox enqueue steps name their row so.
      name: "service_job",
      failIfNoRow: "job_of_another_customer",
    },
    { sql: expireStale, args: [now, merchant.id, { ref: "service_job.id" }, now] },
    {
      sql: insertApplication,
      args: [
        applicationId,
        merchant.id,
        { ref: "customer.id" },
        { ref: "service_job.id" },
        input.crm,
        "link_sent",
        amount,
        now,
        now,
      ],
    },
    ...link.steps,
    ...(prequal ? conversionSteps(prequal, applicationId, now) : []),
    ...(replacing ? crmSyncSteps(replacing.id, "canceled") : []),
    ...crmSyncSteps(applicationId, "link_sent"),
    ...(textOptOutStep ? [optOutCheckStep(c.phone, textOptOutStep)] : []),
    ...(text
      ? smsSteps(
          { to: c.phone, applicationId, merchantId: merchant.id, ...text },
          { optedOut: { step: textOptOutStep! } },
        ).steps
      : []),
    ...(replacing
      ? [
          auditStep({
            actorType: caller.actorType ?? "api_key",
            actorId: caller.keyId,
            action: "application.supersede",
            entityType: "application",
            entityId: replacing.id,
            ip: caller.ip,
            userAgent: caller.userAgent,
            details: {
              superseded_by: applicationId,
              from_amount_cents: replacing.amount_cents,
              to_amount_cents: amount,
            },
          }),
        ]
      : []),
    auditStep({
      actorType: caller.actorType ?? "api_key",
      actorId: caller.keyId,
      action: "application.create",
      entityType: "application",
      entityId: applicationId,
      ip: caller.ip,
      userAgent: caller.userAgent,
      details: {
        crm: input.crm,
        amount_cents: amount,
        send_sms: input.send_sms,
        // The merchant's TCPA attestation, recorded with the application (ADR 037).
        ...(input.send_sms ? { sms_attestation: merchantSmsAttestation } : {}),
        ...(replacing ? { replaces: replacing.id } : {}),
        ...(prequal ? { prequalification: prequal.id } : {}),
      },
    }),
    ...(idempotency
      ? [
          idempotencyStoreStep(
            merchant.id,
            idempotency.key,
            idempotency.hash,
            response,
            now,
            responseIfOptedOut && optOutStep
              ? { when: { ref: `${optOutStep}.opted_out` }, response: responseIfOptedOut }
              : undefined,
          ),
        ]
      : []),
  ];
  return { steps, applicationId, response, responseIfOptedOut, optOutStep };
}

/**
 * The same job and amount again (a double click, a retry after a timeout, without an
 * Idempotency-Key): the open application, its current link and status, `200`, no second text.
 */
async function duplicateAnswer(
  database: Database,
  caller: Pick<CrmCaller, "merchant">,
  input: OfferInput,
  applicationId: string,
  idempotency: { key: string; hash: string } | null,
): Promise<OfferFinancingResult> {
  const scope = merchantScope(caller.merchant.id);
  const [row, details, link] = await Promise.all([
    scope.application(database.db, applicationId),
    scope.applicationDetails(database.db, applicationId),
    scope.currentLink(database.db, applicationId),
  ]);
  const token = link ? linkToken(link.tokenEnc) : null;
  if (!row || !link || !token || link.expiresAt.getTime() <= Date.now()) {
    // No working link to hand back (it ran out while the application waits in review or with
    // offers, or it was stored before tokens were kept): the CRM resends instead.
    throw new ApiFailure(
      apiError(
        "invalid_state",
        `CRM job ${input.job.crm_job_id} already has the open application ${applicationId} and its link no longer works; send a new one with POST /api/v1/crm/applications/${applicationId}/resend`,
      ),
    );
  }
  const response: StoredResponse = {
    status: 200,
    body: JSON.stringify({
      application_id: applicationId,
      status: crmStatus(effectiveStatus(row.applications, details.link), details.sms?.status),
      apply_url: applyUrl(token),
      expires_at: link.expiresAt.toISOString(),
      sms_status: "skipped_duplicate" satisfies SmsRequestStatus,
    }),
  };
  if (idempotency) {
    // The same key again answers the same (even after the application moved on).
    await database.writeProgram({
      steps: [
        idempotencyStoreStep(caller.merchant.id, idempotency.key, idempotency.hash, response),
      ],
    });
  }
  return { ...response, replayed: false, duplicate: true, applicationId };
}

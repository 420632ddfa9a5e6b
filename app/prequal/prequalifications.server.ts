import { and, eq } from "drizzle-orm";
import { refuseUnresolvableCrmIds } from "~/app/crm/crm-ids.server";
import type { Database } from "~/db/client";
import { newId } from "~/db/ids";
import type { Step } from "~/db/native-writer.mjs";
import { insertSql } from "~/db/sql-tx";
import { customers, merchants, prequalifications } from "~/db/schema/index";
import { apiError } from "~/app/api/errors.server";
import { ApiFailure } from "~/app/api/body.server";
import { audit, auditStep, type clientInfo } from "~/app/audit/audit.server";
import { merchantSmsAttestation } from "~/app/borrower/consent-texts.server";
import { newLinkToken } from "~/app/borrower/links.server";
import { appUrl, getEnv } from "~/app/config/env.server";
import {
  idempotencyLookupStep,
  idempotencyStoreStep,
  replayOrConflict,
  type StoredResponse,
} from "~/app/crm/idempotency.server";
import { upsertCustomerStep, type OfferCaller } from "~/app/crm/offer-financing.server";
import type { PrequalificationRequest } from "~/app/crm/schemas";
import { optOutCheckStep, smsSteps } from "~/app/messaging/sms.server";
import { nudgeRunner } from "~/jobs/nudge.server";
import { getCipher } from "~/app/security/encryption.server";
import { sha256Hex } from "~/app/security/hash.server";
import { prequalificationStatus } from "./evaluate";

/**
 * Prequalifications, the merchant's side (docs/product/merchants-and-money.md,
 * "Prequalification"; ADR 066): the create call and the status resource. The borrower's side is
 * app/prequal/flow.server.ts, the conversion into an application app/prequal/convert.server.ts.
 */
export type PrequalificationRow = typeof prequalifications.$inferSelect;

const tokenContext = "prequalifications.token";

export function prequalUrl(token: string) {
  return `${appUrl().replace(/\/$/, "")}/prequal/${token}`;
}

const insertPrequalification = insertSql("prequalifications", [
  "id",
  "merchant_id",
  "customer_id",
  "crm",
  "status",
  "token_hash",
  "token_enc",
  "link_expires_at",
  "created_at",
  "updated_at",
]);

export type CreatePrequalificationResult = StoredResponse & {
  replayed: boolean;
  prequalificationId?: string;
};

/**
 * POST /api/v1/crm/prequalifications: upserts the customer by CRM id (the same row offer-financing
 * upserts, so a later application finds what the borrower gave) and opens a prequalification
 * with its own borrower link, the text (unless `send_sms` is false or the number opted out) and
 * the Idempotency-Key record in one write program, as offer-financing does.
 */
export async function createPrequalification(
  database: Database,
  // A CRM's key, or a merchant user in the portal (crm "portal": ADR 062).
  caller: OfferCaller,
  input: Omit<PrequalificationRequest, "crm"> & { crm: PrequalificationRequest["crm"] | "portal" },
  idempotency: { key: string; hash: string } | null,
): Promise<CreatePrequalificationResult> {
  const { merchant } = caller;
  // A customer id the merchant's connected CRM could never resolve is refused (ADR 080).
  await refuseUnresolvableCrmIds(database, merchant.id, input);
  const now = Date.now();
  const id = newId("pq", now);
  const token = newLinkToken();
  const url = prequalUrl(token);
  const expiresAt = new Date(now + getEnv().LINK_TTL_HOURS * 60 * 60 * 1000);
  const response: StoredResponse = {
    status: 201,
    body: JSON.stringify({
      prequalification_id: id,
      status: "link_sent",
      apply_url: url,
      expires_at: expiresAt.toISOString(),
    }),
  };
  const c = input.customer;
  const steps: Step[] = [
    ...(idempotency ? [idempotencyLookupStep(merchant.id, idempotency.key, now)] : []),
    upsertCustomerStep(merchant.id, input.crm_customer_id, c, now),
    {
      sql: insertPrequalification,
      args: [
        id,
        merchant.id,
        { ref: "customer.id" },
        input.crm,
        "link_sent",
        sha256Hex(token),
        getCipher().encrypt(token, tokenContext),
        expiresAt.getTime(),
        now,
        now,
      ],
    },
    ...(input.send_sms
      ? [
          optOutCheckStep(c.phone, "opt_out"),
          ...smsSteps(
            {
              to: c.phone,
              merchantId: merchant.id,
              template: "prequal_link",
              merchantName: merchant.name,
              url,
            },
            { optedOut: { step: "opt_out" } },
          ).steps,
        ]
      : []),
    auditStep({
      actorType: caller.actorType ?? "api_key",
      actorId: caller.keyId,
      action: "prequalification.create",
      entityType: "prequalification",
      entityId: id,
      ip: caller.ip,
      userAgent: caller.userAgent,
      details: {
        crm: input.crm,
        send_sms: input.send_sms,
        ...(input.send_sms ? { sms_attestation: merchantSmsAttestation } : {}),
      },
    }),
    ...(idempotency
      ? [idempotencyStoreStep(merchant.id, idempotency.key, idempotency.hash, response, now)]
      : []),
  ];
  const result = await database.writeProgram({ steps });
  if (result.kind === "returned") {
    return replayOrConflict(result.row, idempotency!.hash);
  }
  if (input.send_sms) nudgeRunner();
  return { ...response, replayed: false, prequalificationId: id };
}

/** Prequalification ids in URLs: anything else is simply not found. */
export function prequalificationIdParam(value: string | undefined): string {
  if (!value || !/^pq_[0-9a-z]{26}$/.test(value)) {
    throw new ApiFailure(apiError("not_found", `No prequalification ${value ?? ""}`.trim()));
  }
  return value;
}

/** GET /api/v1/crm/prequalifications/{id}: no reasons — the merchant is not the creditor. */
export async function prequalificationView(database: Database, merchantId: string, id: string) {
  const row = await database.db
    .select({
      id: prequalifications.id,
      status: prequalifications.status,
      linkExpiresAt: prequalifications.linkExpiresAt,
      maxAmountCents: prequalifications.maxAmountCents,
      validUntil: prequalifications.validUntil,
    })
    .from(prequalifications)
    .where(and(eq(prequalifications.id, id), eq(prequalifications.merchantId, merchantId)))
    .get();
  if (!row) return null;
  const status = prequalificationStatus(row);
  const prequalified = row.status === "prequalified";
  return {
    prequalification_id: row.id,
    status,
    max_amount_cents: prequalified ? row.maxAmountCents : null,
    valid_until: prequalified && row.validUntil ? row.validUntil.toISOString() : null,
  };
}

export type PrequalJourney = {
  database: Database;
  token: string;
  prequal: PrequalificationRow;
  customer: typeof customers.$inferSelect;
  merchant: typeof merchants.$inferSelect;
};

/**
 * The prequalification a borrower link opens: unknown → 404; a link that ran out before a result
 * → 410. A result stays readable through its link for its 30 days.
 */
export async function resolvePrequalification(
  database: Database,
  token: string,
  now = new Date(),
): Promise<
  | { kind: "ok"; journey: Omit<PrequalJourney, "database" | "token"> }
  | { kind: "unknown" }
  | { kind: "expired" }
> {
  if (!/^[\w-]{20,128}$/.test(token)) return { kind: "unknown" };
  const row = await database.db
    .select()
    .from(prequalifications)
    .innerJoin(customers, eq(customers.id, prequalifications.customerId))
    .innerJoin(merchants, eq(merchants.id, prequalifications.merchantId))
    .where(eq(prequalifications.tokenHash, sha256Hex(token)))
    .get();
  if (!row) return { kind: "unknown" };
  if (prequalificationStatus(row.prequalifications, now) === "expired") return { kind: "expired" };
  return {
    kind: "ok",
    journey: { prequal: row.prequalifications, customer: row.customers, merchant: row.merchants },
  };
}

/** The borrower opened the link: link_sent → in_progress (once; the merchant's status shows it). */
export async function markOpened(journey: PrequalJourney, client: ReturnType<typeof clientInfo>) {
  if (journey.prequal.status !== "link_sent") return;
  await journey.database.write(async (tx) => {
    const updated = await tx
      .update(prequalifications)
      .set({ status: "in_progress" })
      .where(
        and(
          eq(prequalifications.id, journey.prequal.id),
          eq(prequalifications.status, "link_sent"),
        ),
      )
      .returning({ id: prequalifications.id });
    if (updated.length > 0) {
      await audit(tx, {
        actorType: "borrower",
        actorId: journey.customer.id,
        action: "prequalification.open",
        entityType: "prequalification",
        entityId: journey.prequal.id,
        ip: client.ip,
        userAgent: client.userAgent,
      });
    }
  });
}

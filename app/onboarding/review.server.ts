import { and, desc, eq, ne } from "drizzle-orm";
import { audit, type AuditEntry } from "~/app/audit/audit.server";
import { inviteMerchantUserInTx } from "~/app/merchant/users.server";
import { queueEmail } from "~/app/messaging/email.server";
import { createMerchant, MerchantFieldError } from "~/app/ops/merchants.server";
import { getCipher } from "~/app/security/encryption.server";
import type { Database, Tx } from "~/db/client";
import { merchantApplications, merchants } from "~/db/schema/index";
import { nudgeRunner } from "~/jobs/nudge.server";
import { accountNumberContext } from "./signup.server";

import type { FundingMode } from "./funding-modes";

export type ReviewActor = Pick<AuditEntry, "actorType" | "actorId" | "ip" | "userAgent"> & {
  actorId: string;
};

type Row = typeof merchantApplications.$inferSelect;

/** What FlowOps sees of a sign-up: never the account number, only its last 4. */
function view(row: Row) {
  const { accountNumberEnc: _never, ...rest } = row;
  return rest;
}
export type MerchantApplicationView = ReturnType<typeof view>;

/**
 * Records a review's decision — only while the sign-up is still pending, so of two operators
 * deciding at once one wins and the other is told "already reviewed". Approval and decline share
 * this guard; false when someone else decided first.
 */
async function decidePending(
  tx: Tx,
  id: string,
  actor: ReviewActor,
  decision:
    { status: "approved"; merchantId: string } | { status: "declined"; declineReason: string },
) {
  const decided = await tx
    .update(merchantApplications)
    .set({ ...decision, reviewedBy: actor.actorId, reviewedAt: new Date() })
    .where(and(eq(merchantApplications.id, id), eq(merchantApplications.status, "pending")))
    .returning({ id: merchantApplications.id })
    .get();
  return decided !== undefined;
}

/** The queue: pending sign-ups oldest first, then the 20 last reviewed. */
export async function listMerchantApplications(database: Database) {
  const [pending, decided] = await Promise.all([
    database.db
      .select()
      .from(merchantApplications)
      .where(eq(merchantApplications.status, "pending"))
      .orderBy(merchantApplications.createdAt)
      .all(),
    database.db
      .select()
      .from(merchantApplications)
      .where(ne(merchantApplications.status, "pending"))
      .orderBy(desc(merchantApplications.reviewedAt))
      .limit(20)
      .all(),
  ]);
  return { pending: pending.map(view), decided: decided.map(view) };
}

export async function getMerchantApplication(database: Database, id: string) {
  const row = await database.db
    .select()
    .from(merchantApplications)
    .where(eq(merchantApplications.id, id))
    .get();
  return row ? view(row) : null;
}

export type ReviewOutcome =
  { ok: true; merchantId?: string } | { ok: false; reason: "not_found" | "already_reviewed" };

/** "Acme Pest Control LLC" + "mapp_…x7k2" → "acme-pest-control-llc-x7k2" (unique per sign-up). */
export function slugFor(name: string, applicationId: string) {
  const base = name
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 48)
    .replace(/-+$/, "");
  return `${base || "merchant"}-${applicationId.slice(-4)}`;
}

/**
 * Approves a sign-up (ADR 065): creates the merchant through FlowOps' own merchant creation
 * (app/ops/merchants.server.ts: the payout account re-encrypted under the merchant's column,
 * audited), sets its pricing plan and funding mode, and — in one transaction with the decision
 * and its audit record — makes the owner the merchant's first portal user, which e-mails them a
 * sign-in link (inviteMerchantUserInTx). The slug is derived from the sign-up, so a second
 * approval of the same sign-up (a double click, a retry after a failure) finds the merchant the
 * first one created instead of making another.
 */
export async function approveMerchantApplication(
  database: Database,
  input: { id: string; pricingPlan: string; fundingMode: FundingMode; actor: ReviewActor },
): Promise<ReviewOutcome> {
  const row = await database.db
    .select()
    .from(merchantApplications)
    .where(eq(merchantApplications.id, input.id))
    .get();
  if (!row) return { ok: false, reason: "not_found" };
  if (row.status !== "pending") return { ok: false, reason: "already_reviewed" };
  const slug = slugFor(row.dba ?? row.legalName, row.id);
  let merchantId: string;
  try {
    // A variable, not a literal: FlowOps' MerchantInput may or may not carry the funding
    // fields (ADR 050) — either way the merchant gets this approval's mode.
    const value = {
      name: row.dba ?? row.legalName,
      slug,
      minAmountCents: 50_000,
      maxAmountCents: 2_500_000,
      pricingPlan: input.pricingPlan,
      merchantFeeBps: 300,
      disbursementAccount: getCipher().decrypt(row.accountNumberEnc, accountNumberContext),
      fundingMode: input.fundingMode,
      upfrontReleaseBps: 0,
    };
    const created = await createMerchant(database, { value, actor: input.actor });
    merchantId = created.id;
  } catch (error) {
    if (!(error instanceof MerchantFieldError)) throw error;
    const existing = await database.db
      .select({ id: merchants.id })
      .from(merchants)
      .where(eq(merchants.slug, slug))
      .get();
    if (!existing) throw error;
    merchantId = existing.id;
  }
  const outcome = await database.write(async (tx): Promise<ReviewOutcome> => {
    if (!(await decidePending(tx, row.id, input.actor, { status: "approved", merchantId }))) {
      return { ok: false, reason: "already_reviewed" };
    }
    await tx
      .update(merchants)
      .set({ fundingMode: input.fundingMode, pricingPlan: input.pricingPlan })
      .where(eq(merchants.id, merchantId));
    await audit(tx, {
      ...input.actor,
      action: "merchant_application.approved",
      entityType: "merchant_application",
      entityId: row.id,
      details: {
        merchant_id: merchantId,
        pricing_plan: input.pricingPlan,
        funding_mode: input.fundingMode,
      },
    });
    await inviteMerchantUserInTx(tx, {
      merchantId,
      email: row.ownerEmail,
      role: "owner",
      name: row.ownerName,
      invitedBy: `operator:${input.actor.actorId}`,
      client: { ip: input.actor.ip ?? null, userAgent: input.actor.userAgent ?? null },
    });
    return { ok: true, merchantId };
  });
  if (outcome.ok) nudgeRunner();
  return outcome;
}

/**
 * Declines a sign-up with the operator's reason (kept for FlowOps and the audit log). The owner
 * is told by e-mail that FlowPay cannot offer its service now; the internal reason is not sent.
 */
export async function declineMerchantApplication(
  database: Database,
  input: { id: string; reason: string; actor: ReviewActor },
): Promise<ReviewOutcome> {
  const outcome = await database.write(async (tx): Promise<ReviewOutcome> => {
    const row = await tx
      .select()
      .from(merchantApplications)
      .where(eq(merchantApplications.id, input.id))
      .get();
    if (!row) return { ok: false, reason: "not_found" };
    const decision = { status: "declined", declineReason: input.reason } as const;
    if (!(await decidePending(tx, row.id, input.actor, decision))) {
      return { ok: false, reason: "already_reviewed" };
    }
    await audit(tx, {
      ...input.actor,
      action: "merchant_application.declined",
      entityType: "merchant_application",
      entityId: row.id,
      details: { reason: input.reason },
    });
    await queueEmail(tx, {
      to: row.ownerEmail,
      template: "merchant_application_declined",
      subject: "FlowPay: your application",
      text: [
        `Hello ${row.ownerName},`,
        ``,
        `Thank you for applying to offer FlowPay financing for ${row.dba ?? row.legalName}. After reviewing your application we are not able to offer FlowPay to your business at this time.`,
        ``,
        `Reference: ${row.id}`,
        ``,
        `— FlowPay`,
      ].join("\n"),
    });
    return { ok: true };
  });
  if (outcome.ok) nudgeRunner();
  return outcome;
}

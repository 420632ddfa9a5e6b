/**
 * Funding on completion (docs/product/merchants-and-money.md, "The money after the signature";
 * ADR 050): the loan waits `awaiting_completion` until the job is done.
 *
 * - The merchant marks the job complete (`markJobComplete`, POST …/complete): the borrower gets a
 *   text and an e-mail with a single-use link (`/release/{token}`), and an auto-release job is
 *   scheduled 7 days out (an outbox job with a run-at: it survives restarts and crashes).
 * - The borrower releases (`releaseWithLink`), or the 7 days pass (`autoRelease`), or FlowOps
 *   releases after a dispute (`releaseAfterReview`): one transaction moves the loan to
 *   `pending_funding`, the application with it, and enqueues the disbursement (keyed by the loan,
 *   so however many of these race, the lender is asked once, with `${loanId}:disburse`), the CRM
 *   note and the borrower's text.
 * - "There is a problem" (`reportProblem`) pauses the release and opens a FlowOps review item.
 */
import { randomBytes } from "node:crypto";
import { and, eq, isNull } from "drizzle-orm";
import type { Database, Tx } from "~/db/client";
import { newId } from "~/db/ids";
import { applications, loans, manualReviews, releaseLinks } from "~/db/schema/index";
import { enqueue } from "~/jobs/enqueue.server";
import { autoReleaseJob } from "~/jobs/handlers/auto-release.definition";
import { audit } from "~/app/audit/audit.server";
import { applicationParty } from "~/app/borrower/party.server";
import { messageBorrower } from "~/app/borrower/message-borrower.server";
import { appUrl } from "~/app/config/env.server";
import { enqueueCrmSync } from "~/app/crm-sync/enqueue.server";
import type { SmsTemplate } from "~/app/messaging/templates";
import { formatMoney } from "~/app/money/dollars";
import { sha256Hex } from "~/app/security/hash.server";
import { enqueueDueDisbursements } from "./funding.server";
import { loanTransition } from "./loan-state";
import { autoReleaseAt, releaseStage, type ReleaseStage } from "./release";

type Loan = typeof loans.$inferSelect;
type Client = { ip: string | null; userAgent: string | null };
export type ReleaseActor = {
  actorType: "api_key" | "merchant_user" | "operator" | "system" | "borrower";
  actorId: string;
} & Partial<Client>;

/** The review reason a borrower's "there is a problem" opens (the review queue lists it). */
export const releaseDisputeReason = "release_dispute";

/** A link stays readable a month after the payment released itself (it then says so). */
const linkGraceMs = 30 * 24 * 60 * 60 * 1000;

export class ReleaseStateError extends Error {
  override name = "ReleaseStateError";
  constructor(
    readonly code: "not_found" | "invalid_state",
    message: string,
  ) {
    super(message);
  }
}

export const releaseUrl = (token: string) => `${appUrl().replace(/\/$/, "")}/release/${token}`;

async function loanOfApplication(tx: Tx, applicationId: string) {
  return tx.select().from(loans).where(eq(loans.applicationId, applicationId)).get();
}

export type Completion = {
  kind: "marked" | "already";
  loan: Loan;
  autoReleaseAt: Date;
};

/**
 * The merchant says the job is done (inside the caller's write transaction; the caller scoped the
 * application to the merchant). Marking it twice changes nothing and sends nothing again.
 */
export async function markJobComplete(
  tx: Tx,
  args: { applicationId: string; actor: ReleaseActor; now?: Date },
): Promise<Completion> {
  const now = args.now ?? new Date();
  const application = await tx
    .select({ status: applications.status })
    .from(applications)
    .where(eq(applications.id, args.applicationId))
    .get();
  const loan = await loanOfApplication(tx, args.applicationId);
  if (!application)
    throw new ReleaseStateError("not_found", `No application ${args.applicationId}`);
  if (application.status !== "awaiting_completion" || loan?.status !== "awaiting_completion") {
    throw new ReleaseStateError(
      "invalid_state",
      `The application is ${application.status}; only an application awaiting completion can be marked complete`,
    );
  }
  if (loan.completionMarkedAt) {
    return { kind: "already", loan, autoReleaseAt: autoReleaseAt(loan.completionMarkedAt) };
  }
  const releaseAt = autoReleaseAt(now);
  const [marked] = await tx
    .update(loans)
    .set({ completionMarkedAt: now })
    .where(and(eq(loans.id, loan.id), isNull(loans.completionMarkedAt)))
    .returning();
  const token = randomBytes(32).toString("base64url");
  await tx.insert(releaseLinks).values({
    id: newId("rel"),
    loanId: loan.id,
    applicationId: args.applicationId,
    tokenHash: sha256Hex(token),
    expiresAt: new Date(releaseAt.getTime() + linkGraceMs),
    createdAt: now,
    updatedAt: now,
  });
  // Silence releases it: a durable job with a run-at, keyed by the loan (ADR 012).
  await enqueue(
    tx,
    autoReleaseJob,
    { loanId: loan.id },
    { runAt: releaseAt, key: loan.id, keyMode: "replace" },
  );
  await askBorrowerToRelease(tx, args.applicationId, loan, releaseUrl(token), releaseAt);
  await audit(tx, {
    ...args.actor,
    action: "loan.completion_marked",
    entityType: "loan",
    entityId: loan.id,
    details: { application_id: args.applicationId, auto_release_at: releaseAt.toISOString() },
  });
  return { kind: "marked", loan: marked ?? loan, autoReleaseAt: releaseAt };
}

async function askBorrowerToRelease(
  tx: Tx,
  applicationId: string,
  loan: Loan,
  url: string,
  releaseAt: Date,
) {
  const remaining = loan.amountCents - loan.upfrontCents;
  await messageBorrower(tx, applicationId, ({ customer, merchant }) => ({
    sms: {
      template: "release_requested",
      merchantName: merchant.name,
      amountCents: remaining,
      url,
    },
    email: {
      template: "release_requested",
      subject: `Job is done — release payment to ${merchant.name}`,
      text: [
        `Hello ${customer.firstName},`,
        "",
        `${merchant.name} says the job you financed with FlowPay is done.`,
        `If it is, release the ${formatMoney(remaining)} payment to ${merchant.name} here:`,
        "",
        url,
        "",
        "If something is wrong, open the same link and choose \u201cThere is a problem\u201d: we hold the payment and a FlowPay specialist looks at it within 1 business day.",
        `If we hear nothing from you, the payment releases itself on ${releaseAt.toISOString().slice(0, 10)}.`,
        "The link works once.",
        "",
        "FlowPay",
      ].join("\n"),
    },
  }));
}

/** A text to the application's borrower, naming its merchant. */
async function textBorrower(
  tx: Tx,
  applicationId: string,
  message: (merchantName: string) => SmsTemplate,
) {
  await messageBorrower(tx, applicationId, ({ merchant }) => ({ sms: message(merchant.name) }));
}

export type ReleasedBy = "borrower" | "timer" | "flowops";

/**
 * Releases a loan waiting for the job: the one transition every way of releasing goes through.
 * Returns false when it is not waiting any more (released already, canceled…): nothing written.
 */
async function release(tx: Tx, loan: Loan, by: ReleasedBy, actor: ReleaseActor, now: Date) {
  if (loan.status !== "awaiting_completion") return false;
  const to = loanTransition(loan.status, "released").to;
  const moved = await tx
    .update(loans)
    .set({ status: to, releasedAt: now, releasePausedAt: null })
    .where(and(eq(loans.id, loan.id), eq(loans.status, "awaiting_completion")))
    .returning({ id: loans.id });
  if (moved.length === 0) return false;
  await tx
    .update(applications)
    .set({ status: "pending_funding" })
    .where(
      and(eq(applications.id, loan.applicationId), eq(applications.status, "awaiting_completion")),
    );
  // Keyed by the loan: a release racing create-loan's own enqueue still yields one job.
  await enqueueDueDisbursements(tx, loan.id);
  await enqueueCrmSync(tx, loan.applicationId, "released");
  await textBorrower(tx, loan.applicationId, (merchantName) => ({
    template: "payment_released",
    merchantName,
    by,
  }));
  await audit(tx, {
    ...actor,
    action: "loan.released",
    entityType: "loan",
    entityId: loan.id,
    details: { application_id: loan.applicationId, by },
  });
  return true;
}

export type ReleasePage =
  | { kind: "unknown" }
  | { kind: "expired" }
  | {
      kind: "ok";
      applicationId: string;
      merchantName: string;
      amountCents: number;
      upfrontCents: number;
      stage: ReleaseStage;
      /** What the borrower did with this link, if anything. */
      usedFor: "released" | "problem" | null;
      autoReleaseAt: Date | null;
      funded: boolean;
    };

async function linkByToken(db: Database["db"] | Tx, token: string) {
  if (!/^[\w-]{20,128}$/.test(token)) return null;
  return db
    .select()
    .from(releaseLinks)
    .where(eq(releaseLinks.tokenHash, sha256Hex(token)))
    .get();
}

/** What the release page shows for a token. */
export async function loadReleasePage(
  database: Database,
  token: string,
  now = Date.now(),
): Promise<ReleasePage> {
  const link = await linkByToken(database.db, token);
  if (!link) return { kind: "unknown" };
  if (link.expiresAt.getTime() <= now) return { kind: "expired" };
  const row = await database.db
    .select({ loan: loans })
    .from(loans)
    .where(eq(loans.id, link.loanId))
    .get();
  const party = row ? await applicationParty(database.db, link.applicationId) : null;
  if (!row || !party) return { kind: "unknown" };
  const loan = row.loan;
  return {
    kind: "ok",
    applicationId: link.applicationId,
    merchantName: party.merchant.name,
    amountCents: loan.amountCents,
    upfrontCents: loan.upfrontCents,
    stage: releaseStage(loan),
    usedFor: link.usedFor ?? null,
    autoReleaseAt: loan.completionMarkedAt ? autoReleaseAt(loan.completionMarkedAt) : null,
    funded: loan.status === "funded",
  };
}

export type LinkOutcome =
  | { kind: "released" }
  | { kind: "problem_reported"; reviewId: string }
  /** The link was used already, expired, unknown, or the loan no longer waits: nothing done. */
  | { kind: "unchanged"; reason: string };

/** Marks the link used, once; false when it was used (or never existed). */
async function useLink(
  tx: Tx,
  token: string,
  usedFor: "released" | "problem",
  now: Date,
  problem: string | null = null,
) {
  const link = await linkByToken(tx, token);
  if (!link || link.expiresAt.getTime() <= now.getTime()) return null;
  const used = await tx
    .update(releaseLinks)
    .set({ usedAt: now, usedFor, problem, updatedAt: now })
    .where(and(eq(releaseLinks.id, link.id), isNull(releaseLinks.usedAt)))
    .returning({ id: releaseLinks.id });
  return used.length > 0 ? link : null;
}

/** The borrower's "Release payment". */
export async function releaseWithLink(
  database: Database,
  args: { token: string; client: Client; now?: Date },
): Promise<LinkOutcome> {
  const now = args.now ?? new Date();
  return database
    .write(async (tx) => {
      const link = await useLink(tx, args.token, "released", now);
      if (!link) return { kind: "unchanged", reason: "link_used" } as const;
      const loan = await tx.select().from(loans).where(eq(loans.id, link.loanId)).get();
      if (!loan || releaseStage(loan) !== "awaiting_release") {
        // Released meanwhile (the timer) or no longer waiting: the link stays unused.
        throw new LinkNotUsable(loan ? releaseStage(loan) : "gone");
      }
      await release(
        tx,
        loan,
        "borrower",
        { actorType: "borrower", actorId: link.applicationId, ...args.client },
        now,
      );
      return { kind: "released" } as const;
    })
    .catch((error: unknown) => {
      if (error instanceof LinkNotUsable)
        return { kind: "unchanged", reason: error.message } as const;
      throw error;
    });
}

/** Rolls back a link's use when the loan cannot be released or disputed through it. */
class LinkNotUsable extends Error {}

/** "There is a problem": the release pauses and FlowOps gets a review item with the description. */
export async function reportProblem(
  database: Database,
  args: { token: string; description: string; client: Client; now?: Date },
): Promise<LinkOutcome> {
  const now = args.now ?? new Date();
  return database
    .write(async (tx) => {
      const link = await useLink(tx, args.token, "problem", now, args.description);
      if (!link) return { kind: "unchanged", reason: "link_used" } as const;
      const loan = await tx.select().from(loans).where(eq(loans.id, link.loanId)).get();
      if (!loan || releaseStage(loan) !== "awaiting_release") {
        throw new LinkNotUsable(loan ? releaseStage(loan) : "gone");
      }
      await tx
        .update(loans)
        .set({ releasePausedAt: now })
        .where(and(eq(loans.id, loan.id), eq(loans.status, "awaiting_completion")));
      const reviewId = newId("rev");
      await tx.insert(manualReviews).values({
        id: reviewId,
        applicationId: loan.applicationId,
        reason: releaseDisputeReason,
        priority: 1,
        status: "pending",
        notes: args.description,
        createdAt: now,
        updatedAt: now,
      });
      await textBorrower(tx, loan.applicationId, (merchantName) => ({
        template: "release_paused",
        merchantName,
      }));
      await audit(tx, {
        actorType: "borrower",
        actorId: loan.applicationId,
        ...args.client,
        action: "loan.release_disputed",
        entityType: "loan",
        entityId: loan.id,
        details: { application_id: loan.applicationId, review_id: reviewId },
      });
      return { kind: "problem_reported", reviewId } as const;
    })
    .catch((error: unknown) => {
      if (error instanceof LinkNotUsable)
        return { kind: "unchanged", reason: error.message } as const;
      throw error;
    });
}

/**
 * The auto-release job: 7 days after completion without an answer, the payment releases itself.
 * The job's run-at is the timer (the outbox claims it only then); a paused (disputed) or already
 * released loan is left alone, so a late or repeated run changes nothing.
 */
export async function autoRelease(
  database: Database,
  loanId: string,
  now = new Date(),
): Promise<{ kind: "released" | "skipped"; reason?: string }> {
  return database.write(async (tx) => {
    const loan = await tx.select().from(loans).where(eq(loans.id, loanId)).get();
    if (!loan) return { kind: "skipped", reason: "no such loan" } as const;
    const stage = releaseStage(loan);
    if (stage !== "awaiting_release") return { kind: "skipped", reason: stage } as const;
    await release(tx, loan, "timer", { actorType: "system", actorId: "auto-release" }, now);
    return { kind: "released" } as const;
  });
}

/** FlowOps resolves a dispute by releasing the payment (the review is resolved, audited). */
export async function releaseAfterReview(
  database: Database,
  args: { reviewId: string; operatorId: string; note: string; client: Client; now?: Date },
) {
  const now = args.now ?? new Date();
  return database.write(async (tx) => {
    const review = await tx
      .select()
      .from(manualReviews)
      .where(eq(manualReviews.id, args.reviewId))
      .get();
    if (!review || review.reason !== releaseDisputeReason) {
      throw new ReleaseStateError("not_found", "No such dispute");
    }
    if (review.status === "resolved") {
      throw new ReleaseStateError("invalid_state", "This dispute was already resolved.");
    }
    const loan = await loanOfApplication(tx, review.applicationId);
    if (!loan || loan.status !== "awaiting_completion") {
      throw new ReleaseStateError(
        "invalid_state",
        `The loan is ${loan?.status ?? "missing"}; there is no payment waiting to release.`,
      );
    }
    await tx
      .update(manualReviews)
      .set({
        status: "resolved",
        resolution: "approved",
        notes: `${review.notes ?? ""}\n\nFlowOps: ${args.note}`.trim(),
        resolvedBy: args.operatorId,
        resolvedAt: now,
      })
      .where(eq(manualReviews.id, review.id));
    await release(
      tx,
      loan,
      "flowops",
      { actorType: "operator", actorId: args.operatorId, ...args.client },
      now,
    );
    return { applicationId: review.applicationId };
  });
}

/** A dispute review with what its page shows. Null when the review is not a dispute. */
export async function loadDispute(database: Database, reviewId: string) {
  const review = await database.db
    .select()
    .from(manualReviews)
    .where(eq(manualReviews.id, reviewId))
    .get();
  if (!review || review.reason !== releaseDisputeReason) return null;
  const loan = await database.db
    .select()
    .from(loans)
    .where(eq(loans.applicationId, review.applicationId))
    .get();
  const party = await applicationParty(database.db, review.applicationId);
  if (!loan || !party) return null;
  return {
    review,
    loan,
    stage: releaseStage(loan),
    customerName: `${party.customer.firstName} ${party.customer.lastName}`,
    merchantName: party.merchant.name,
  };
}

/** Whether a review is a borrower's release dispute (its own FlowOps page). */
export async function isReleaseDispute(database: Database, reviewId: string) {
  const review = await database.db
    .select({ reason: manualReviews.reason })
    .from(manualReviews)
    .where(eq(manualReviews.id, reviewId))
    .get();
  return review?.reason === releaseDisputeReason;
}

/**
 * Funding conditions (ADR 035): an underwriter's approval may require documents; the loan is not
 * disbursed while any of them is open (pending, submitted or rejected).
 *
 * - The approval's transaction stores the items (`insertConditions`).
 * - The borrower uploads a file per item from their link (`submitConditionUpload`): checked by
 *   content, stored encrypted, the item becomes `submitted`.
 * - FlowOps clears or rejects each item, audited with a note (`reviewCondition`). A rejection
 *   asks the borrower again (text and e-mail; their page shows the reason).
 * - The request-disbursement job asks `conditionsHoldFunding` before it calls the lender and
 *   stops there while an item is open. Clearing the last item enqueues the disbursement in the
 *   same transaction (`releaseFunding`), keyed by the loan: released once, through the outbox.
 */
import { and, asc, desc, eq, inArray, ne } from "drizzle-orm";
import type { Database, Tx } from "~/db/client";
import { newId } from "~/db/ids";
import { conditionUploads, loanConditions, loans, type ConditionStatus } from "~/db/schema/index";
import { enqueue } from "~/jobs/enqueue.server";
import { requestDisbursementJob } from "~/jobs/handlers/request-disbursement.definition";
import { audit } from "~/app/audit/audit.server";
import { messageBorrower } from "~/app/borrower/message-borrower.server";
import type { PreparedUpload } from "~/app/borrower/uploads.server";
import { openConditionStatuses, type ConditionChoice } from "./conditions";

type Client = { ip: string | null; userAgent: string | null };
type Reader = Database["db"] | Tx;

/**
 * The row `id` of `table` only when it belongs to `applicationId`: an id from a URL or a form is
 * never trusted alone (another application's document must not open through this one's page).
 */
function ofApplication(
  table: typeof loanConditions | typeof conditionUploads,
  id: string,
  applicationId: string,
) {
  return and(eq(table.id, id), eq(table.applicationId, applicationId));
}

export class ConditionStateError extends Error {
  override name = "ConditionStateError";
}

/** Stores the conditions an approval chose (in the approval's transaction). */
export async function insertConditions(
  tx: Tx,
  args: {
    applicationId: string;
    decisionId: string;
    operatorId: string;
    items: readonly ConditionChoice[];
    now: Date;
  },
) {
  if (args.items.length === 0) return [];
  const rows = args.items.map((item) => ({
    id: newId("cnd"),
    applicationId: args.applicationId,
    decisionId: args.decisionId,
    kind: item.kind,
    description: item.description,
    status: "pending" as const,
    createdBy: args.operatorId,
    createdAt: args.now,
    updatedAt: args.now,
  }));
  await tx.insert(loanConditions).values(rows);
  return rows.map((r) => r.id);
}

/** True while any condition of the application is open: the disbursement must wait. */
export async function conditionsHoldFunding(db: Reader, applicationId: string) {
  return (await openConditionIds(db, applicationId, 1)).length > 0;
}

/** The ids of the application's open conditions, at most `limit`. */
function openConditionIds(db: Reader, applicationId: string, limit = -1) {
  return db
    .select({ id: loanConditions.id })
    .from(loanConditions)
    .where(
      and(
        eq(loanConditions.applicationId, applicationId),
        inArray(loanConditions.status, [...openConditionStatuses]),
      ),
    )
    .limit(limit)
    .all();
}

export type ConditionView = {
  id: string;
  kind: string;
  description: string;
  status: ConditionStatus;
  reviewNote: string | null;
  submittedAt: Date | null;
  reviewedAt: Date | null;
  reviewedBy: string | null;
  uploads: {
    id: string;
    fileName: string;
    contentType: string;
    sizeBytes: number;
    createdAt: Date;
  }[];
};

/** An application's conditions with their uploads (newest first), oldest condition first. */
export async function listConditions(db: Reader, applicationId: string): Promise<ConditionView[]> {
  const [items, uploads] = await Promise.all([
    db
      .select()
      .from(loanConditions)
      .where(eq(loanConditions.applicationId, applicationId))
      .orderBy(asc(loanConditions.createdAt), asc(loanConditions.id))
      .all(),
    db
      .select({
        id: conditionUploads.id,
        conditionId: conditionUploads.conditionId,
        fileName: conditionUploads.fileName,
        contentType: conditionUploads.contentType,
        sizeBytes: conditionUploads.sizeBytes,
        createdAt: conditionUploads.createdAt,
      })
      .from(conditionUploads)
      .where(eq(conditionUploads.applicationId, applicationId))
      .orderBy(desc(conditionUploads.createdAt), desc(conditionUploads.id))
      .all(),
  ]);
  return items.map((item) => ({
    id: item.id,
    kind: item.kind,
    description: item.description,
    status: item.status,
    reviewNote: item.reviewNote,
    submittedAt: item.submittedAt,
    reviewedAt: item.reviewedAt,
    reviewedBy: item.reviewedBy,
    uploads: uploads.filter((u) => u.conditionId === item.id).map(({ conditionId: _c, ...u }) => u),
  }));
}

/** The borrower's upload for one of their application's conditions. */
export async function submitConditionUpload(
  database: Database,
  args: {
    applicationId: string;
    customerId: string;
    conditionId: string;
    upload: PreparedUpload;
    client: Client;
    now?: Date;
  },
) {
  const now = args.now ?? new Date();
  return database.write(async (tx) => {
    const condition = await tx
      .select()
      .from(loanConditions)
      .where(ofApplication(loanConditions, args.conditionId, args.applicationId))
      .get();
    if (!condition) throw new ConditionStateError("That document is not one we asked for.");
    if (condition.status === "cleared") {
      throw new ConditionStateError("This document was already accepted; nothing more is needed.");
    }
    const uploadId = newId("upl");
    await tx.insert(conditionUploads).values({
      id: uploadId,
      conditionId: condition.id,
      applicationId: args.applicationId,
      ...args.upload,
      ip: args.client.ip,
      userAgent: args.client.userAgent,
      createdAt: now,
    });
    await tx
      .update(loanConditions)
      .set({ status: "submitted", submittedAt: now, updatedAt: now })
      .where(and(eq(loanConditions.id, condition.id), ne(loanConditions.status, "cleared")));
    await audit(tx, {
      actorType: "borrower",
      actorId: args.customerId,
      action: "condition.submit",
      entityType: "loan_condition",
      entityId: condition.id,
      ip: args.client.ip,
      userAgent: args.client.userAgent,
      details: {
        application_id: args.applicationId,
        upload_id: uploadId,
        content_type: args.upload.contentType,
        size_bytes: args.upload.sizeBytes,
        sha256: args.upload.sha256,
      },
    });
    return { uploadId };
  });
}

/**
 * With no condition left open, lets a loan waiting for them be disbursed: the lender has created
 * it and nothing was paid yet. A loan not yet created at the lender needs nothing: create-loan
 * enqueues the disbursement itself, and the job then finds nothing open.
 */
async function releaseFunding(tx: Tx, applicationId: string, operatorId: string, client: Client) {
  const loan = await tx.select().from(loans).where(eq(loans.applicationId, applicationId)).get();
  if (!loan || loan.disbursementId || !loan.lenderLoanId) return false;
  // A loan waiting for the job (ADR 050) has only a progress payment's first part to release.
  const waiting = loan.status === "awaiting_completion";
  const upfrontDue = loan.upfrontCents > 0 && !loan.upfrontDisbursementId;
  if (!(loan.status === "pending_funding" || (waiting && upfrontDue))) return false;
  if (upfrontDue) {
    await enqueue(
      tx,
      requestDisbursementJob,
      { loanId: loan.id, part: "upfront" },
      { key: `${loan.id}:upfront`, keyMode: "dedupe" },
    );
  }
  if (!waiting) {
    await enqueue(
      tx,
      requestDisbursementJob,
      { loanId: loan.id },
      { key: loan.id, keyMode: "dedupe" },
    );
  }
  await audit(tx, {
    actorType: "operator",
    actorId: operatorId,
    ...client,
    action: "loan.funding_released",
    entityType: "loan",
    entityId: loan.id,
    details: { application_id: applicationId, reason: "last condition cleared" },
  });
  return true;
}

export type ConditionReview = { conditionId: string; decision: "clear" | "reject"; note: string };

/**
 * FlowOps clears or rejects one condition, with a note (audited). A rejection asks the borrower
 * again; clearing the last open one releases the disbursement (see the module comment).
 */
export async function reviewCondition(
  database: Database,
  args: ConditionReview & { operatorId: string; client: Client; now?: Date },
) {
  const now = args.now ?? new Date();
  return database.write(async (tx) => {
    const condition = await tx
      .select()
      .from(loanConditions)
      .where(eq(loanConditions.id, args.conditionId))
      .get();
    if (!condition) throw new ConditionStateError("No such condition.");
    if (condition.status === "cleared") {
      throw new ConditionStateError("This condition is already cleared.");
    }
    if (args.decision === "reject" && condition.status !== "submitted") {
      throw new ConditionStateError("Only a document the borrower has sent can be rejected.");
    }
    const status = args.decision === "clear" ? "cleared" : "rejected";
    const changed = await tx
      .update(loanConditions)
      .set({
        status,
        reviewedBy: args.operatorId,
        reviewedAt: now,
        reviewNote: args.note,
        updatedAt: now,
      })
      .where(and(eq(loanConditions.id, condition.id), eq(loanConditions.status, condition.status)))
      .returning({ id: loanConditions.id });
    if (changed.length === 0) throw new ConditionStateError("The condition changed; reload.");
    await audit(tx, {
      actorType: "operator",
      actorId: args.operatorId,
      ...args.client,
      action: args.decision === "clear" ? "condition.clear" : "condition.reject",
      entityType: "loan_condition",
      entityId: condition.id,
      details: { application_id: condition.applicationId, note: args.note },
    });
    let released = false;
    if (args.decision === "reject") {
      await askBorrowerAgain(tx, condition.applicationId);
    } else if (!(await conditionsHoldFunding(tx, condition.applicationId))) {
      released = await releaseFunding(tx, condition.applicationId, args.operatorId, args.client);
    }
    return { status, released };
  });
}

async function askBorrowerAgain(tx: Tx, applicationId: string) {
  await messageBorrower(tx, applicationId, ({ customer, merchant }) => ({
    sms: { template: "documents_needed", merchantName: merchant.name, rejected: true },
    email: {
      template: "condition_rejected",
      subject: `We need a document again for your financing with ${merchant.name}`,
      text: [
        `Hello ${customer.firstName},`,
        "",
        `We could not accept a document you sent for your financing with ${merchant.name}.`,
        "Open the link we texted you to read why and upload it again. Your loan is paid out once every document we asked for is accepted.",
        "",
        "FlowPay",
      ].join("\n"),
    },
  }));
}

/** An upload's file for FlowOps, audited as a view (the caller checked the permission). */
export async function readUploadForOperator(
  database: Database,
  args: { uploadId: string; applicationId: string; operatorId: string; client: Client },
) {
  const upload = await database.db
    .select()
    .from(conditionUploads)
    .where(ofApplication(conditionUploads, args.uploadId, args.applicationId))
    .get();
  if (!upload) return null;
  await database.write((tx) =>
    audit(tx, {
      actorType: "operator",
      actorId: args.operatorId,
      ...args.client,
      action: "condition.document_view",
      entityType: "loan_condition",
      entityId: upload.conditionId,
      details: { application_id: upload.applicationId, upload_id: upload.id },
    }),
  );
  return upload;
}

/** How many of the application's conditions are still open (the borrower's pages link to them). */
export async function openConditionCount(db: Reader, applicationId: string) {
  return (await openConditionIds(db, applicationId)).length;
}

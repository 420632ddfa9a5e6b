/**
 * The credit score disclosure (H-3) of an application with offers: built from the approving
 * decision's snapshot (its bureau data, exactly what priced the offers) and the creditor's
 * identity, shown with the offers, and kept with the application as a PDF (documents, kind
 * `credit_score_notice`) the first time it is shown — once: the stored copy is the record.
 */
import { and, desc, eq } from "drizzle-orm";
import type { Database } from "~/db/client";
import { newId } from "~/db/ids";
import { customers, decisions, documents, loans, merchants } from "~/db/schema/index";
import { renderNoticePdf } from "~/app/borrower/agreement-pdf.server";
import { creditorFor } from "~/app/lending/lenders.server";
import { sha256Hex } from "~/app/security/hash.server";
import { documentBytes, documentColumns, encodeDocument } from "~/app/storage/documents.server";
import type { DecisionSnapshot } from "./engine";
import { buildScoreNotice, type ScoreNotice } from "./score-notice";

export type StoredScoreNotice = { notice: ScoreNotice; decisionId: string; decidedAt: Date };

/** The notice for the application's latest approval, or null (never approved, or no score used). */
export async function loadScoreNotice(
  database: Database,
  applicationId: string,
): Promise<StoredScoreNotice | null> {
  const rows = await database.db.query.decisions.findMany({
    where: eq(decisions.applicationId, applicationId),
    orderBy: desc(decisions.decidedAt),
  });
  const approval = rows.find((row) => row.status === "approved");
  if (!approval) return null;
  // The bureau data that priced the offers: the approval's own snapshot, or — for an
  // underwriter's approval, whose record may not repeat the inputs — the engine decision it
  // reviewed (the latest one with a credit input).
  const withCredit = rows.find(
    (row) => (row.snapshot as { inputs?: { credit?: unknown } }).inputs?.credit !== undefined,
  );
  if (!withCredit) return null;
  const application = await database.db.query.applications.findFirst({
    where: (table, { eq: equals }) => equals(table.id, applicationId),
  });
  if (!application) return null;
  const [customer, merchant, loan] = await Promise.all([
    database.db.query.customers.findFirst({ where: eq(customers.id, application.customerId) }),
    database.db.query.merchants.findFirst({ where: eq(merchants.id, application.merchantId) }),
    database.db.query.loans.findFirst({ where: eq(loans.applicationId, applicationId) }),
  ]);
  const snapshot = withCredit.snapshot as unknown as DecisionSnapshot;
  const notice = buildScoreNotice({
    applicantName: customer ? `${customer.firstName} ${customer.lastName}` : "Applicant",
    credit: snapshot.inputs.credit,
    creditor: creditorFor(loan?.lender ?? merchant?.lender ?? "mock"),
  });
  return notice ? { notice, decisionId: approval.id, decidedAt: approval.decidedAt } : null;
}

export const scoreNoticePdfOptions = {
  subject: "Credit score disclosure (FCRA 615(h), Regulation V 1022.74(d), model form H-3)",
  keywords: ["credit score disclosure", "H-3"],
};

/**
 * The stored PDF of the application's credit score disclosure, storing it first when it is
 * not there yet (rendered outside the write, dated with the decision: the same bytes every
 * time). Null when there is no notice to give.
 */
export async function ensureScoreNoticePdf(
  database: Database,
  applicationId: string,
): Promise<{ id: string; bytes: Uint8Array; sha256: string; createdAt: Date } | null> {
  const existing = await database.db
    .select()
    .from(documents)
    .where(
      and(eq(documents.applicationId, applicationId), eq(documents.kind, "credit_score_notice")),
    )
    .orderBy(desc(documents.createdAt))
    .get();
  if (existing) {
    return {
      id: existing.id,
      bytes: new Uint8Array(await documentBytes(database.db, existing)),
      sha256: existing.sha256,
      createdAt: existing.createdAt,
    };
  }
  const loaded = await loadScoreNotice(database, applicationId);
  if (!loaded) return null;
  const bytes = await renderNoticePdf(loaded.notice, loaded.decidedAt, scoreNoticePdfOptions);
  const sha256 = sha256Hex(bytes);
  const encoded = await encodeDocument(bytes);
  return database.write(async (tx) => {
    const raced = await tx
      .select()
      .from(documents)
      .where(
        and(eq(documents.applicationId, applicationId), eq(documents.kind, "credit_score_notice")),
      )
      .get();
    if (raced) {
      return {
        id: raced.id,
        bytes: new Uint8Array(await documentBytes(tx, raced)),
        sha256: raced.sha256,
        createdAt: raced.createdAt,
      };
    }
    const id = newId("doc");
    const [row] = await tx
      .insert(documents)
      .values({
        id,
        applicationId,
        kind: "credit_score_notice",
        contentType: "application/pdf",
        sha256,
        ...(await documentColumns(tx, encoded)),
      })
      .returning({ createdAt: documents.createdAt });
    return { id, bytes, sha256, createdAt: row!.createdAt };
  });
}

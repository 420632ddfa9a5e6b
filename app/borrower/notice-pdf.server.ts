/**
 * The borrower's notices as PDFs for download: the adverse action notice (declined page) and
 * the credit-score disclosure (offers and done pages). The stored copy is the record and is
 * served when it exists; otherwise the same deterministic rendering is produced on demand.
 */
import { and, desc, eq } from "drizzle-orm";
import type { Database } from "~/db/client";
import { documents } from "~/db/schema/index";
import { loadAdverseActionNotice } from "~/app/decisioning/adverse-action.server";
import { sha256Hex } from "~/app/security/hash.server";
import { documentBytes } from "~/app/storage/documents.server";
import { renderNoticePdf } from "./agreement-pdf.server";

export type PdfFile = { bytes: Uint8Array; sha256: string };

async function storedDocument(
  database: Database,
  applicationId: string,
  kind: (typeof documents.$inferSelect)["kind"],
) {
  return database.db
    .select({
      id: documents.id,
      bytes: documents.bytes,
      dictionaryId: documents.dictionaryId,
      sha256: documents.sha256,
      createdAt: documents.createdAt,
    })
    .from(documents)
    .where(and(eq(documents.applicationId, applicationId), eq(documents.kind, kind)))
    .orderBy(desc(documents.createdAt))
    .get();
}

/** The application's latest adverse action notice, as sent (or as it will be sent). */
export async function adverseActionNoticePdf(
  database: Database,
  applicationId: string,
): Promise<PdfFile | null> {
  const notice = await loadAdverseActionNotice(database, applicationId);
  if (!notice) return null;
  const stored = await storedDocument(database, applicationId, "adverse_action_notice");
  if (stored && notice.sentAt && stored.createdAt >= notice.createdAt) {
    return {
      bytes: new Uint8Array(await documentBytes(database.db, stored)),
      sha256: stored.sha256,
    };
  }
  // Not sent yet (the delivery job has not run): the same rendering, dated like the notice.
  const bytes = await renderNoticePdf(notice.view, notice.sentAt ?? notice.createdAt);
  return { bytes, sha256: sha256Hex(bytes) };
}

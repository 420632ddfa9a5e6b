/**
 * The borrower's documents, read for their pages and downloads: the latest stored document of a
 * kind (the signed agreement, the adverse action notice, the credit score disclosure).
 */
import { and, desc, eq } from "drizzle-orm";
import type { Database } from "~/db/client";
import { documents } from "~/db/schema/index";
import { documentBytes } from "~/app/storage/documents.server";

export type DocumentKind = (typeof documents.$inferSelect)["kind"];

export async function latestDocument(
  database: Database,
  applicationId: string,
  kind: DocumentKind,
) {
  const row = await database.db
    .select()
    .from(documents)
    .where(and(eq(documents.applicationId, applicationId), eq(documents.kind, kind)))
    .orderBy(desc(documents.createdAt))
    .get();
  // The bytes as signed, checked against the row's SHA-256 (ADR 087).
  return row && { ...row, bytes: await documentBytes(database.db, row) };
}

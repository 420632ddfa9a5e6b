/**
 * Documents stored against the shared dictionary (ADR 087), on a real database file: what is
 * read is byte for byte what was signed; a second borrower's agreement adds a fraction of what
 * one compressed alone takes, the dictionary stored once; rows of the earlier formats still read
 * and are compacted once; a write that dies before its commit leaves neither the document nor
 * its dictionary; a referenced dictionary cannot be deleted; a tampered row is never served.
 */
const { appDatabase, createMerchant } = await import("~/scripts/testing/app-harness");
const { decidedApplication } = await import("~/app/ops/reviews-fixtures");
const { ensureDecisioningDefaults } = await import("~/app/decisioning/seed.server");

import { createHash } from "node:crypto";
import { count, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { renderAgreementPdf, renderNoticePdf } from "~/app/borrower/agreement-pdf.server";
import { buildAgreement } from "~/app/borrower/agreement";
import { agreementInput } from "~/app/borrower/pdf-fixtures";
import { newId } from "~/db/ids";
import { documentDictionaries, documents } from "~/db/schema/index";
import { compress } from "~/db/schema/compressed";
import { dictionaryMarker, StoredDocument } from "~/db/schema/document-bytes";
import type { Tx } from "~/db/client";
import {
  compactDocuments,
  documentBytes,
  documentColumns,
  encodeDocument,
  type EncodedDocument,
} from "./documents.server";

const database = await appDatabase();
const merchant = await createMerchant();
await ensureDecisioningDefaults(database);
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** An application to hang documents on (a decided one: any status will do here). */
async function application() {
  return (await decidedApplication(database, { merchantId: merchant.id, ssnLast4: "7800" }))
    .applicationId;
}

/** A signed agreement as the e-signature renders it, for one borrower. */
async function agreementPdf(applicationId: string, name: string, amountCents: number) {
  const input = agreementInput(
    { amountCents, termMonths: 48, noteRate: "14.99" },
    { applicationId, borrower: { fullName: name, addressLines: ["9 Oak Ct", "Austin, TX 78701"] } },
  );
  return renderAgreementPdf(buildAgreement(input), {
    fullName: name,
    signedAt: new Date("2026-03-02T17:00:00Z"),
    ip: "203.0.113.7",
    userAgent: "Mozilla/5.0 (Linux; Android 14; Pixel 8) Chrome/126.0 Mobile Safari/537.36",
  });
}

/** Inserts an agreement as the e-signature does: its dictionary (if new) in the same write. */
async function insertAgreement(
  tx: Tx,
  row: { id: string; applicationId: string; pdf: Uint8Array; encoded: EncodedDocument },
) {
  await tx.insert(documents).values({
    id: row.id,
    applicationId: row.applicationId,
    kind: "agreement",
    contentType: "application/pdf",
    sha256: sha256(row.pdf),
    ...(await documentColumns(tx, row.encoded)),
  });
}

/** Stores a document as the app does: encoded outside the write, then one write. */
async function store(applicationId: string, pdf: Uint8Array) {
  const encoded = await encodeDocument(pdf);
  const id = newId("doc");
  await database.write((tx) => insertAgreement(tx, { id, applicationId, pdf, encoded }));
  return id;
}

async function row(id: string) {
  return (await database.db.select().from(documents).where(eq(documents.id, id)).get())!;
}

async function dictionaryCount() {
  return (await database.db.select({ n: count() }).from(documentDictionaries).get())!.n;
}

/** A document row as a release before this one wrote it: a raw PDF, or ADR 085's brotli. */
async function storeOld(applicationId: string, pdf: Uint8Array, form: "raw" | "brotli") {
  const id = newId("doc");
  await database.write((tx) =>
    tx.insert(documents).values({
      id,
      applicationId,
      kind: "credit_score_notice",
      contentType: "application/pdf",
      sha256: sha256(pdf),
      bytes: new StoredDocument(form === "raw" ? Buffer.from(pdf) : compress(pdf)),
    }),
  );
  return id;
}

describe("documents against the shared dictionary", () => {
  it("reads back byte for byte what was signed; a second borrower adds a fraction", async () => {
    const first = await application();
    const second = await application();
    const pdfA = await agreementPdf(first, "Alex Rivera", 612_300);
    const pdfB = await agreementPdf(second, "Christopher Nguyen-Smith", 1_875_000);
    const dictionariesBefore = await dictionaryCount();

    const idA = await store(first, pdfA);
    const idB = await store(second, pdfB);

    for (const [id, pdf] of [
      [idA, pdfA],
      [idB, pdfB],
    ] as const) {
      const stored = await row(id);
      expect([...stored.bytes.stored.subarray(0, 4)]).toEqual([...dictionaryMarker]);
      const read = await documentBytes(database.db, stored);
      expect(read.equals(pdf)).toBe(true);
      expect(sha256(read)).toBe(stored.sha256);
    }
    // One dictionary, shared by both (none added for the second).
    expect(await dictionaryCount()).toBe(Math.max(1, dictionariesBefore));
    expect((await row(idA)).dictionaryId).toBe((await row(idB)).dictionaryId);
    // The second borrower's agreement: a fraction of what it takes compressed on its own.
    const alone = compress(pdfB).length;
    const storedB = (await row(idB)).bytes.stored.length;
    expect(storedB).toBeLessThan(alone * 0.4);
    const head = (await database.db.select().from(documentDictionaries).get())!.head.length;
    expect(storedB).toBeLessThan((head + (await row(idA)).bytes.stored.length) * 0.3);
  });

  it("reads documents stored before (a raw PDF, ADR 085's brotli) and compacts them once", async () => {
    const applicationId = await application();
    const notice = await renderNoticePdf(
      { title: "Notice", sections: [{ heading: "Heading", lines: ["Line"] }], creditorName: "C" },
      new Date("2026-03-02T17:00:00Z"),
    );
    const raw = await storeOld(applicationId, notice, "raw");
    const brotli = await storeOld(applicationId, notice, "brotli");
    for (const id of [raw, brotli]) {
      expect((await documentBytes(database.db, await row(id))).equals(notice)).toBe(true);
    }

    expect(await compactDocuments(database)).toEqual({ compacted: 2, stopped: false });
    for (const id of [raw, brotli]) {
      const compacted = await row(id);
      expect(compacted.dictionaryId).not.toBeNull();
      expect([...compacted.bytes.stored.subarray(0, 4)]).toEqual([...dictionaryMarker]);
      expect((await documentBytes(database.db, compacted)).equals(notice)).toBe(true);
    }
    // Idempotent: nothing left to do.
    expect(await compactDocuments(database)).toEqual({ compacted: 0, stopped: false });
  });

  it("a write that dies before its commit leaves neither the document nor its dictionary", async () => {
    const applicationId = await application();
    const pdf = await agreementPdf(applicationId, "Maria Garcia", 300_000);
    const encoded = await encodeDocument(pdf);
    // A dictionary this database does not have yet (another release's sample).
    const other = { ...encoded, dictionary: { ...encoded.dictionary!, sha256: "f".repeat(64) } };
    const dictionariesBefore = await dictionaryCount();
    const id = newId("doc");
    await expect(
      database.write(async (tx) => {
        await insertAgreement(tx, { id, applicationId, pdf, encoded: other });
        throw new Error("the process died here");
      }),
    ).rejects.toThrow("the process died here");
    expect(await database.db.select().from(documents).where(eq(documents.id, id)).get()).toBe(
      undefined,
    );
    expect(await dictionaryCount()).toBe(dictionariesBefore);
  });

  it("never deletes a dictionary a document uses, and never serves a tampered row", async () => {
    const applicationId = await application();
    const pdf = await agreementPdf(applicationId, "Li Kowalski", 450_000);
    const id = await store(applicationId, pdf);
    const stored = await row(id);
    await expect(
      database.write((tx) =>
        tx.delete(documentDictionaries).where(eq(documentDictionaries.id, stored.dictionaryId!)),
      ),
    ).rejects.toThrow();
    // Another document's bytes under this row's SHA-256: refused on read.
    const otherPdf = await agreementPdf(applicationId, "Li Kowalski", 450_100);
    const forged = (await encodeDocument(otherPdf)).stored;
    await expect(documentBytes(database.db, { ...stored, bytes: forged })).rejects.toThrow(
      /SHA-256/,
    );
  });
});

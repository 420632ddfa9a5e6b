/**
 * Documents (signed agreements, notices) stored against a shared dictionary (ADR 087): the one
 * place that writes and reads `documents.bytes`. A new document is encoded as the tail of a brotli
 * stream whose head — sample documents rendered by today's renderer — is one shared,
 * content-addressed `document_dictionaries` row (db/schema/document-bytes.ts has the format).
 * What the borrower signed is given back byte for byte and checked against `documents.sha256` on
 * every read.
 */
import { and, eq, gt, isNull } from "drizzle-orm";
import type { Database, Tx } from "~/db/client";
import { documentDictionaries, documents } from "~/db/schema/index";
import {
  decodeDocument,
  encodeAlone,
  encodeWithDictionary,
  needsDictionary,
  type DocumentDictionary,
  type StoredDocument,
} from "~/db/schema/document-bytes";
import { renderAgreementPdf, renderNoticePdf } from "~/app/borrower/agreement-pdf.server";
import { buildAgreement } from "~/app/borrower/agreement";
import { agreementInputForTerms, type AgreementTerms } from "~/app/borrower/agreement-terms";
import { buildScoreNotice } from "~/app/decisioning/score-notice";
import { scoreNoticePdfOptions } from "~/app/decisioning/score-notice.server";
import { sandboxCreditor } from "~/app/lending/creditors";
import { sha256Hex } from "~/app/security/hash.server";

/** A document ready to be written: its stored form and the dictionary it needs (if any). */
export type EncodedDocument = { stored: StoredDocument; dictionary: DocumentDictionary | null };

/** One sample agreement, signed: `terms` vary what the agreement's own text says. */
async function sampleAgreement(terms: AgreementTerms, loanDate: Date) {
  const input = agreementInputForTerms(terms, {
    applicationId: "app_00000000000000000000000000",
    loanDate,
    borrower: {
      fullName: "Sample Borrower",
      addressLines: ["1 Sample Street", "Austin, TX 78701"],
    },
    merchant: { name: "Sample Home Services" },
    creditor: { name: sandboxCreditor.legalName, address: sandboxCreditor.address },
  });
  return renderAgreementPdf(buildAgreement(input), {
    fullName: "Sample Borrower",
    signedAt: loanDate,
    ip: "192.0.2.1",
    userAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15",
  });
}

/**
 * The sample every document is encoded against: signed agreements (with and without an
 * origination fee, at a zero and a positive rate, short and long — the paragraphs that differ
 * between them) and a credit score notice, for a fictional borrower, rendered by the renderer
 * of this release (deterministic, so every process of a release makes the same one). Their text,
 * layout and PDF structure are what the borrowers' documents repeat.
 */
async function renderSample(): Promise<Buffer> {
  const loanDate = new Date("2026-01-15T16:00:00.000Z");
  const parts: Uint8Array[] = [];
  for (const terms of [
    { amountCents: 480_000, noteRate: "0", termMonths: 12, feeCents: 0 },
    { amountCents: 1_250_000, noteRate: "17.99", termMonths: 60, feeCents: 37_500 },
    { amountCents: 750_000, noteRate: "9.99", termMonths: 36, feeCents: 0 },
  ]) {
    parts.push(await sampleAgreement(terms, loanDate));
  }
  const notice = buildScoreNotice({
    applicantName: "Sample Borrower",
    credit: {
      status: "ok",
      report: {
        bureau: "experian",
        pulledAt: loanDate.toISOString(),
        reportDate: "2026-01-15",
        score: 712,
        scoreModel: "FICO 8",
        scoreRange: { min: 300, max: 850 },
        scoreFactors: [
          {
            rank: 1,
            code: "01",
            description: "Length of time accounts have been established",
            inquiries: false,
          },
          { rank: 2, code: "02", description: "Too many accounts with balances", inquiries: false },
        ],
        tradelines: [],
        publicRecords: [],
        inquiries: [],
      },
    },
    creditor: sandboxCreditor,
  });
  if (notice) parts.push(await renderNoticePdf(notice, loanDate, scoreNoticePdfOptions));
  return Buffer.concat(parts);
}

let sample: Promise<Buffer | null> | undefined;

/** The sample, rendered once per process; null if it cannot be (documents are then stored alone). */
function documentSample(): Promise<Buffer | null> {
  sample ??= renderSample().catch((error: unknown) => {
    console.error("document sample: cannot render, documents stored without a dictionary", error);
    return null;
  });
  return sample;
}

/**
 * The stored form of a document, computed outside any write (≈ a few ms of brotli): against the
 * sample when there is one, else ADR 085's form on its own — never a form that does not read back.
 */
export async function encodeDocument(bytes: Uint8Array): Promise<EncodedDocument> {
  const base = await documentSample();
  if (!base) return { stored: encodeAlone(bytes), dictionary: null };
  return encodeWithDictionary(bytes, base, sha256Hex);
}

/**
 * The `bytes` and `dictionaryId` columns of a document row, inside the write that inserts it:
 * the dictionary row is added first if this database does not have it yet, in the same
 * transaction — a crash leaves the document with its dictionary, or neither.
 */
export async function documentColumns(tx: Tx, encoded: EncodedDocument) {
  if (!encoded.dictionary) return { bytes: encoded.stored, dictionaryId: null };
  return { bytes: encoded.stored, dictionaryId: await dictionaryId(tx, encoded.dictionary) };
}

async function dictionaryId(tx: Tx, dictionary: DocumentDictionary): Promise<number> {
  await tx.insert(documentDictionaries).values(dictionary).onConflictDoNothing().run();
  const row = await tx
    .select({ id: documentDictionaries.id })
    .from(documentDictionaries)
    .where(eq(documentDictionaries.sha256, dictionary.sha256))
    .get();
  return row!.id;
}

type Reader = Pick<Database["db"], "select"> | Pick<Tx, "select">;

/**
 * The document a row holds, byte for byte as it was written — checked against its SHA-256 (a
 * mismatch throws: a document that is not what was signed is never served).
 */
export async function documentBytes(
  reader: Reader,
  row: { id: string; bytes: StoredDocument; dictionaryId: number | null; sha256: string },
): Promise<Buffer> {
  let dictionary: { head: Buffer; prefixLength: number } | null = null;
  if (needsDictionary(row.bytes)) {
    if (row.dictionaryId === null) throw new Error(`document ${row.id}: no dictionary`);
    const found = await (reader as Pick<Tx, "select">)
      .select({ head: documentDictionaries.head, prefixLength: documentDictionaries.prefixLength })
      .from(documentDictionaries)
      .where(eq(documentDictionaries.id, row.dictionaryId))
      .get();
    if (!found) throw new Error(`document ${row.id}: dictionary ${row.dictionaryId} is missing`);
    dictionary = found;
  }
  const bytes = decodeDocument(row.bytes, dictionary);
  if (sha256Hex(bytes) !== row.sha256) {
    throw new Error(`document ${row.id}: stored bytes do not match its SHA-256`);
  }
  return bytes;
}

/**
 * Rewrites documents stored before dictionaries (a PDF as it is, or ADR 085's brotli on its own)
 * against the sample, a batch at a time; the maintenance round's compaction calls it
 * (app/storage/compact.server.ts). A row to do is found by `dictionary_id IS NULL` (the partial
 * index of migration 0049); each is decoded and checked against its SHA-256 — one that does not
 * match is left alone —, encoded outside the write and checked to read back; each batch is one
 * transaction that adds the dictionary if needed and whose UPDATE re-checks the row is still the
 * old one with those very bytes. A crash leaves each row old or new, both readable; run again, it
 * does nothing more.
 */
export async function compactDocuments(
  database: Database,
  options: { batchSize?: number; shouldStop?: () => boolean } = {},
): Promise<{ compacted: number; stopped: boolean }> {
  const batchSize = options.batchSize ?? 100;
  let compacted = 0;
  if (!(await documentSample())) return { compacted, stopped: false };
  let after = "";
  for (;;) {
    if (options.shouldStop?.()) return { compacted, stopped: true };
    const rows = await database.db
      .select({
        id: documents.id,
        bytes: documents.bytes,
        dictionaryId: documents.dictionaryId,
        sha256: documents.sha256,
      })
      .from(documents)
      .where(and(isNull(documents.dictionaryId), gtId(after)))
      .orderBy(documents.id)
      .limit(batchSize)
      .all();
    if (rows.length === 0) break;
    after = rows.at(-1)!.id;
    const updates: { id: string; old: StoredDocument; encoded: EncodedDocument }[] = [];
    for (const row of rows) {
      let bytes: Buffer;
      try {
        bytes = await documentBytes(database.db, row);
      } catch (error) {
        console.error(`compaction: document ${row.id} left as it is`, error);
        continue;
      }
      updates.push({ id: row.id, old: row.bytes, encoded: await encodeDocument(bytes) });
    }
    compacted += await database.write(async (tx) => {
      let changed = 0;
      for (const update of updates) {
        const columns = await documentColumns(tx, update.encoded);
        const done = await tx
          .update(documents)
          .set(columns)
          .where(
            and(
              eq(documents.id, update.id),
              isNull(documents.dictionaryId),
              eq(documents.bytes, update.old),
            ),
          )
          .returning({ id: documents.id });
        changed += done.length;
      }
      return changed;
    });
    if (rows.length < batchSize) break;
  }
  return { compacted, stopped: false };
}

/** Keyset paging over the rows to do (a row left alone is not read again this run). */
function gtId(after: string) {
  return after === "" ? undefined : gt(documents.id, after);
}

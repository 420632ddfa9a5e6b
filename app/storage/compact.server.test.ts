/**
 * Decision snapshots and documents stored compressed (ADR 085), on a real database file: a new
 * decision and a signed agreement are written compressed and read back as written; rows written
 * before compression (inserted here in the old format) read the same, replay identically and
 * are compacted in place — idempotently, a stopped run resumed — while decisions stay immutable.
 */
import { createHash } from "node:crypto";
import { startLenderTestBed } from "~/scripts/testing/lender-test-bed";

const bed = await startLenderTestBed({
  apiKey: "compact-test-key",
  webhookSecret: "compact-test-secret",
  fundingDelayMs: 60_000,
});
const { appDatabase, createMerchant } = await import("~/scripts/testing/app-harness");
const { signedApplication } = await import("~/app/lending/test-helpers");
const { replayDecision } = await import("~/app/decisioning/replay.server");
const { latestDocument } = await import("~/app/borrower/documents.server");
const { compactStoredRows, compactionTargets, oldRowsSql } = await import("./compact.server");
const { documentBytes } = await import("./documents.server");

import { eq, sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { decisions, documents, loans, offers } from "~/db/schema/index";
import { compressedJsonMarker, decodeText, isCompressed } from "~/db/schema/compressed";
import { dictionaryMarker } from "~/db/schema/document-bytes";

afterAll(() => bed.close());

const database = await appDatabase();
const merchant = await createMerchant();
const signed = await signedApplication(merchant.key, { crmCustomerId: "C-1", crmJobId: "J-1" });
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

async function stored(table: "decisions" | "documents", id: string) {
  const column = table === "decisions" ? "snapshot" : "bytes";
  const result = await database.client.execute({
    sql: `SELECT typeof(${column}) AS type, ${column} AS value FROM ${table} WHERE id = ?`,
    args: [id],
  });
  const row = result.rows[0]!;
  return { type: row.type as string, value: row.value as string | ArrayBuffer };
}

/** A copy of a decision and of a document as a release before compression wrote them. */
async function oldFormatCopies(suffix: string) {
  const decision = (await database.db
    .select()
    .from(decisions)
    .where(eq(decisions.applicationId, signed.applicationId))
    .get())!;
  const document = (await database.db
    .select()
    .from(documents)
    .where(eq(documents.applicationId, signed.applicationId))
    .get())!;
  const decisionId = `${decision.id}_old${suffix}`;
  const documentId = `${document.id}_old${suffix}`;
  await database.serialized(async () => {
    await database.client.execute({
      sql: `INSERT INTO decisions (id, application_id, status, score, tier, rule_set_version,
              pricing_version, engine_version, snapshot, decided_at)
            SELECT ?, application_id, status, score, tier, rule_set_version, pricing_version,
              engine_version, ?, decided_at - 1 FROM decisions WHERE id = ?`,
      args: [decisionId, JSON.stringify(decision.snapshot), decision.id],
    });
    await database.client.execute({
      sql: `INSERT INTO documents (id, application_id, kind, content_type, sha256, bytes,
              signed_name, signed_at, created_at, updated_at)
            SELECT ?, application_id, kind, content_type, sha256, ?, signed_name, signed_at,
              created_at - 1, updated_at FROM documents WHERE id = ?`,
      args: [documentId, new Uint8Array(await documentBytes(database.db, document)), document.id],
    });
  });
  return { decision, document, decisionId, documentId };
}

describe("compressed storage", () => {
  it("writes a decision's snapshot and the signed agreement compressed, reads them as written", async () => {
    const decision = (await database.db
      .select()
      .from(decisions)
      .where(eq(decisions.applicationId, signed.applicationId))
      .get())!;
    const raw = await stored("decisions", decision.id);
    expect(raw.type).toBe("blob");
    expect(isCompressed(new Uint8Array(raw.value as ArrayBuffer))).toBe(true);
    const text = decodeText(raw.value);
    expect(JSON.parse(text)).toEqual(decision.snapshot);
    // Compressed JSON format 2 (ADR 088): under 2 KB, so two snapshots share a 4 KB page.
    const format = (value: string | ArrayBuffer) => [...new Uint8Array(value as ArrayBuffer, 0, 4)];
    expect(format(raw.value)).toEqual([...compressedJsonMarker]);
    expect(Buffer.byteLength(text)).toBeGreaterThan(7 * (raw.value as ArrayBuffer).byteLength);
    expect((raw.value as ArrayBuffer).byteLength).toBeLessThan(2000);
    // The replay compares the engine's output with the stored text byte for byte.
    expect(await replayDecision(database, decision.id)).toMatchObject({ identical: true });

    const agreement = (await latestDocument(database, signed.applicationId, "agreement"))!;
    const rawDocument = await stored("documents", agreement.id);
    // Stored against the shared dictionary (ADR 087, format 3).
    expect([...new Uint8Array(rawDocument.value as ArrayBuffer, 0, 4)]).toEqual([
      ...dictionaryMarker,
    ]);
    expect(Buffer.from(agreement.bytes).subarray(0, 5).toString("latin1")).toBe("%PDF-");
    expect(sha256(agreement.bytes)).toBe(agreement.sha256);
  });

  it("reads rows written before compression, replays them, and compacts them in place once", async () => {
    const { decision, document, decisionId, documentId } = await oldFormatCopies("a");
    expect((await stored("decisions", decisionId)).type).toBe("text");
    const before = await replayDecision(database, decisionId);
    expect(before).toMatchObject({ identical: true });
    const oldRow = (await database.db
      .select()
      .from(decisions)
      .where(eq(decisions.id, decisionId))
      .get())!;
    expect(oldRow.snapshot).toEqual(decision.snapshot);

    const first = await compactStoredRows(database);
    expect(first).toEqual({
      compacted: { decisions: 1, offers: 0, loans: 0, documents: 1 },
      stopped: false,
    });
    const compacted = await stored("decisions", decisionId);
    expect(compacted.type).toBe("blob");
    expect([...new Uint8Array(compacted.value as ArrayBuffer, 0, 4)]).toEqual([
      ...compressedJsonMarker,
    ]);
    const after = await replayDecision(database, decisionId);
    expect(after).toMatchObject({ identical: true, stored: before.stored });
    const compactedDocument = (await database.db
      .select()
      .from(documents)
      .where(eq(documents.id, documentId))
      .get())!;
    expect(compactedDocument.dictionaryId).not.toBeNull();
    const compactedBytes = await documentBytes(database.db, compactedDocument);
    expect(compactedBytes.equals(await documentBytes(database.db, document))).toBe(true);
    expect(sha256(compactedBytes)).toBe(document.sha256);

    // Idempotent: nothing left to do, nothing rewritten.
    expect(await compactStoredRows(database)).toEqual({
      compacted: { decisions: 0, offers: 0, loans: 0, documents: 0 },
      stopped: false,
    });
  });

  it("a stopped run leaves every row readable and the next one finishes", async () => {
    await oldFormatCopies("b");
    await oldFormatCopies("c");
    let batches = 0;
    const stopped = await compactStoredRows(database, {
      batchSize: 1,
      shouldStop: () => batches++ > 0,
    });
    expect(stopped).toEqual({
      compacted: { decisions: 1, offers: 0, loans: 0, documents: 0 },
      stopped: true,
    });
    const rows = await database.db
      .select()
      .from(decisions)
      .where(eq(decisions.applicationId, signed.applicationId));
    expect(new Set(rows.map((r) => JSON.stringify(r.snapshot))).size).toBe(1);
    expect(await compactStoredRows(database)).toEqual({
      compacted: { decisions: 1, offers: 0, loans: 0, documents: 2 },
      stopped: false,
    });
    const left = await database.db.get<{ n: number }>(
      sql`SELECT count(*) AS n FROM decisions WHERE typeof(snapshot) = 'text'`,
    );
    expect(Number(left!.n)).toBe(0);
  });

  it("decisions stay immutable: only a TEXT snapshot may become its compressed BLOB", async () => {
    const { decisionId } = await oldFormatCopies("d");
    const attempt = (statement: string, args: (string | Uint8Array)[]) =>
      database.serialized(() => database.client.execute({ sql: statement, args }));
    await expect(
      attempt("UPDATE decisions SET snapshot = ? WHERE id = ?", ['{"forged":true}', decisionId]),
    ).rejects.toThrow(/immutable/);
    // A BLOB without the marker, or the marker with another column changed: refused.
    await expect(
      attempt("UPDATE decisions SET snapshot = ? WHERE id = ?", [
        new Uint8Array([1, 2, 3]),
        decisionId,
      ]),
    ).rejects.toThrow(/immutable/);
    await compactStoredRows(database);
    // Once compressed, never rewritten again.
    const { value } = await stored("decisions", decisionId);
    await expect(
      attempt("UPDATE decisions SET snapshot = ? WHERE id = ?", [
        new Uint8Array(value as ArrayBuffer),
        decisionId,
      ]),
    ).rejects.toThrow(/immutable/);
  });

  it("compacts offers and loans written before compression; an offer's terms stay immutable", async () => {
    const other = await signedApplication(merchant.key, { crmCustomerId: "C-2", crmJobId: "J-2" });
    const offer = (await database.db
      .select()
      .from(offers)
      .where(eq(offers.id, other.offer.id))
      .get())!;
    const oldOfferId = `${offer.id}_old`;
    const loanId = `loan_${other.applicationId}_old`;
    const schedule = [{ number: 1, paymentCents: 21_963, balanceCents: 0 }];
    await database.serialized(async () => {
      await database.client.execute({
        sql: `INSERT INTO offers (id, decision_id, application_id, term_months, note_rate, apr,
                origination_fee_cents, principal_cents, amount_financed_cents, monthly_payment_cents,
                last_payment_cents, finance_charge_cents, total_of_payments_cents, promotional, tier,
                schedule, disclosure, created_at)
              SELECT ?, decision_id, application_id, term_months, note_rate, apr,
                origination_fee_cents, principal_cents, amount_financed_cents, monthly_payment_cents,
                last_payment_cents, finance_charge_cents, total_of_payments_cents, promotional, tier,
                ?, ?, created_at FROM offers WHERE id = ?`,
        args: [
          oldOfferId,
          JSON.stringify(offer.schedule),
          JSON.stringify(offer.disclosure),
          offer.id,
        ],
      });
      await database.client.execute({
        sql: `INSERT INTO loans (id, application_id, offer_id, merchant_id, lender, principal_cents,
                amount_cents, merchant_fee_cents, disbursement_cents, payment_schedule, created_at,
                updated_at)
              VALUES (?, ?, ?, ?, 'mock', 750000, 750000, 0, 750000, ?, 0, 0)`,
        args: [loanId, other.applicationId, offer.id, merchant.id, JSON.stringify(schedule)],
      });
    });
    await expect(
      database.serialized(() =>
        database.client.execute({
          sql: "UPDATE offers SET apr = '1.000' WHERE id = ?",
          args: [oldOfferId],
        }),
      ),
    ).rejects.toThrow(/immutable/);

    const run = await compactStoredRows(database);
    expect(run.compacted).toMatchObject({ offers: 1, loans: 1 });
    const typeOf = await database.client.execute({
      sql: `SELECT (SELECT typeof(schedule) || typeof(disclosure) FROM offers WHERE id = ?) AS o,
              (SELECT typeof(payment_schedule) FROM loans WHERE id = ?) AS l`,
      args: [oldOfferId, loanId],
    });
    expect(typeOf.rows[0]).toMatchObject({ o: "blobblob", l: "blob" });
    const compacted = (await database.db
      .select()
      .from(offers)
      .where(eq(offers.id, oldOfferId))
      .get())!;
    expect(compacted.schedule).toEqual(offer.schedule);
    expect(compacted.disclosure).toEqual(offer.disclosure);
    const loan = (await database.db.select().from(loans).where(eq(loans.id, loanId)).get())!;
    expect(loan.paymentSchedule).toEqual(schedule);
    // Once compressed, the terms cannot be rewritten, not even with the same compressed bytes.
    const stored = await database.client.execute({
      sql: "SELECT schedule FROM offers WHERE id = ?",
      args: [oldOfferId],
    });
    await expect(
      database.serialized(() =>
        database.client.execute({
          sql: "UPDATE offers SET schedule = ? WHERE id = ?",
          args: [new Uint8Array(stored.rows[0]!.schedule as ArrayBuffer), oldOfferId],
        }),
      ),
    ).rejects.toThrow(/immutable/);
  });

  // Last: after this EXPLAIN on the client, its raw writes met SQLITE_BUSY_SNAPSHOT.
  it("finds the rows still to compress by their partial index, never by a scan", async () => {
    for (const target of compactionTargets) {
      const plan = await database.client.execute({
        sql: `EXPLAIN QUERY PLAN ${oldRowsSql(target)}`,
        args: [100],
      });
      const detail = plan.rows.map((r) => String(r.detail)).join("; ");
      expect(detail).toContain(`USING INDEX ${target.table}_uncompressed_idx`);
    }
  });
});

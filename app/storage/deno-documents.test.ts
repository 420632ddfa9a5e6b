/**
 * The built server on Deno (ADR 045) reads compressed documents (ADRs 085, 087) as Node wrote them: a
 * signed agreement and a credit score notice stored compressed by this process are downloaded
 * from the Deno server on the same database file, byte for byte — their SHA-256 is the one stored
 * at signing. Needs a build (`npm run build`, or FLOWPAY_BUILD_DIR), as the other server tests.
 */
import { createHash } from "node:crypto";
import { startLenderTestBed } from "~/scripts/testing/lender-test-bed";

const bed = await startLenderTestBed({
  apiKey: "deno-documents-key",
  webhookSecret: "deno-documents-secret",
  fundingDelayMs: 60_000,
});
const { appDatabase, createMerchant } = await import("~/scripts/testing/app-harness");
const { signedApplication } = await import("~/app/lending/test-helpers");
const { ensureScoreNoticePdf } = await import("~/app/decisioning/score-notice.server");
const { spawnServer } = await import("~/scripts/testing/spawn-server");

import { and, eq } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { documents } from "~/db/schema/index";
import { dictionaryMarker } from "~/db/schema/document-bytes";

const database = await appDatabase();
const merchant = await createMerchant();
const signed = await signedApplication(merchant.key, { crmCustomerId: "C-1", crmJobId: "J-1" });
await ensureScoreNoticePdf(database, signed.applicationId);
const deno = await spawnServer({ runtime: "deno", dataDir: process.env.DATA_DIR! });

afterAll(async () => {
  await deno.stop();
  await bed.close();
});

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

describe("compressed documents on Deno", () => {
  it.each([
    ["agreement", "agreement.pdf"],
    ["credit_score_notice", "score-notice.pdf"],
  ] as const)("serves the %s stored compressed, byte for byte", async (kind, file) => {
    const row = (await database.db
      .select({ id: documents.id, sha256: documents.sha256 })
      .from(documents)
      .where(and(eq(documents.applicationId, signed.applicationId), eq(documents.kind, kind)))
      .get())!;
    const raw = await database.client.execute({
      sql: "SELECT bytes FROM documents WHERE id = ?",
      args: [row.id],
    });
    // Stored against the shared dictionary (ADR 087): Deno reads head + tail as Node wrote them.
    const stored = new Uint8Array(raw.rows[0]!.bytes as ArrayBuffer);
    expect([...stored.subarray(0, 4)]).toEqual([...dictionaryMarker]);

    const response = await fetch(`${deno.url}/apply/${signed.token}/${file}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/pdf");
    const body = new Uint8Array(await response.arrayBuffer());
    expect(Buffer.from(body.subarray(0, 5)).toString("latin1")).toBe("%PDF-");
    expect(sha256(body)).toBe(row.sha256);
  });
});

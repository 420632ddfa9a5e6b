/**
 * Funding conditions against a real database and a real mock lender over HTTP (ADR 035): a loan
 * with an open condition is created at the lender but never disbursed; the borrower's upload, a
 * rejection that asks again, and the clearing of the last condition, which releases the
 * disbursement through the outbox — once.
 */
import { startMockLender } from "~/adapters/lender/index";

const lender = await startMockLender({
  apiKey: "conditions-test-key",
  webhookSecret: "conditions-test-secret",
  // Nothing listens there and the settlement never comes during the test: only our calls count.
  webhookUrl: "http://127.0.0.1:9/api/v1/webhooks/lender/mock",
  fundingDelayMs: 600_000,
});

const { appDatabase, createMerchant } = await import("~/scripts/testing/app-harness");
const { signedApplication, loanOf } = await import("./test-helpers");
const { createLenderRegistry } = await import("~/adapters/lender/index");
const { createLoanForApplication, requestLoanDisbursement } = await import("./funding.server");
const conditions = await import("./conditions.server");
const { prepareUpload } = await import("~/app/borrower/uploads.server");

import { and, eq, sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { decisions, lenderTransactions, loanConditions } from "~/db/schema/index";

const database = await appDatabase();
const merchant = await createMerchant({ name: "Acme Pest Control", merchantFeeBps: 300 });
const lenders = createLenderRegistry([
  {
    name: "mock",
    baseUrl: lender.url,
    apiKey: "conditions-test-key",
    webhookSecret: "conditions-test-secret",
  },
]);
const client = { ip: "203.0.113.7", userAgent: "vitest" };
const operatorId = "op_conditions_test";

afterAll(() => lender.close());

const pdf = (text: string) => ({
  name: "payslip.pdf",
  bytes: new TextEncoder().encode(`%PDF-1.4\n% ${text}\n%%EOF\n`),
});

async function disbursementCalls(loanId: string) {
  const rows = await database.db
    .select({ id: lenderTransactions.id })
    .from(lenderTransactions)
    .where(
      and(
        eq(lenderTransactions.loanId, loanId),
        eq(lenderTransactions.operation, "request_disbursement"),
      ),
    )
    .all();
  return rows.length;
}

async function pendingDisbursementJobs(loanId: string) {
  const rows = await database.db.all<{ n: number }>(
    sql`SELECT count(*) AS n FROM outbox WHERE kind = 'request-disbursement' AND state = 'pending'
        AND json_extract(payload, '$.loanId') = ${loanId}`,
  );
  return Number(rows[0]!.n);
}

/** What the job runner does with the loan's pending request-disbursement jobs. */
async function runDisbursementJobs(loanId: string) {
  const jobs = await database.db.all<{ id: number }>(
    sql`SELECT id FROM outbox WHERE kind = 'request-disbursement' AND state = 'pending'
        AND json_extract(payload, '$.loanId') = ${loanId} ORDER BY id`,
  );
  const results = [];
  for (const job of jobs) {
    results.push(await requestLoanDisbursement(database, lenders, loanId));
    await database.serialized(() =>
      database.db.run(
        sql`UPDATE outbox SET state = 'completed', completed_at = ${Date.now()} WHERE id = ${job.id}`,
      ),
    );
  }
  return results;
}

/** Signed, with conditions stored as the underwriter's approval would (same function). */
async function conditionalLoan(n: number, kinds: ("proof_of_income" | "identity_document")[]) {
  const signed = await signedApplication(merchant.key, {
    crmCustomerId: `COND-${n}-${Date.now()}`,
    crmJobId: `COND-JOB-${n}-${Date.now()}`,
  });
  const decision = await database.db
    .select({ id: decisions.id })
    .from(decisions)
    .where(eq(decisions.applicationId, signed.applicationId))
    .get();
  const ids = await database.write((tx) =>
    conditions.insertConditions(tx, {
      applicationId: signed.applicationId,
      decisionId: decision!.id,
      operatorId,
      items: kinds.map((kind) => ({ kind, description: `Send your ${kind}` })),
      now: new Date(),
    }),
  );
  return { ...signed, conditionIds: ids };
}

describe("funding conditions", () => {
  it("an open condition holds the disbursement; clearing the last one releases it, once", async () => {
    const app = await conditionalLoan(1, ["proof_of_income", "identity_document"]);
    const [income, identity] = app.conditionIds as [string, string];

    // The loan is created at the lender; its disbursement job stops at the open conditions.
    const created = await createLoanForApplication(database, lenders, app.applicationId);
    expect(created.kind).toBe("done");
    const loan = (await loanOf(app.applicationId))!;
    expect(await runDisbursementJobs(loan.id)).toEqual([
      { kind: "skipped", reason: "funding conditions are open" },
    ]);
    expect(await disbursementCalls(loan.id)).toBe(0);

    // The borrower uploads; a submitted document still holds funding.
    const prepared = prepareUpload(pdf("income"));
    if (!prepared.ok) throw new Error(prepared.error);
    await conditions.submitConditionUpload(database, {
      applicationId: app.applicationId,
      customerId: "cus_test",
      conditionId: income,
      upload: prepared.upload,
      client,
    });
    expect(await conditions.conditionsHoldFunding(database.db, app.applicationId)).toBe(true);

    // A rejection asks the borrower again (text), and the page will show the note.
    await conditions.reviewCondition(database, {
      conditionId: income,
      decision: "reject",
      note: "The pay stub is unreadable",
      operatorId,
      client,
    });
    const texts = await database.db.all<{ template: string }>(
      sql`SELECT template FROM messages WHERE application_id = ${app.applicationId} AND template = 'documents_needed'`,
    );
    expect(texts).toHaveLength(1);
    const listed = await conditions.listConditions(database.db, app.applicationId);
    expect(listed.find((c) => c.id === income)).toMatchObject({
      status: "rejected",
      reviewNote: "The pay stub is unreadable",
    });

    // Sent again and cleared; the identity document is cleared too — the last one releases.
    await conditions.submitConditionUpload(database, {
      applicationId: app.applicationId,
      customerId: "cus_test",
      conditionId: income,
      upload: prepared.upload,
      client,
    });
    const first = await conditions.reviewCondition(database, {
      conditionId: income,
      decision: "clear",
      note: "Pay stub matches the stated income",
      operatorId,
      client,
    });
    expect(first).toEqual({ status: "cleared", released: false });
    expect(await pendingDisbursementJobs(loan.id)).toBe(0);
    const last = await conditions.reviewCondition(database, {
      conditionId: identity,
      decision: "clear",
      note: "Identity confirmed on a video call",
      operatorId,
      client,
    });
    expect(last).toEqual({ status: "cleared", released: true });
    expect(await pendingDisbursementJobs(loan.id)).toBe(1);

    // A second clear is refused and enqueues nothing; the job pays once, a rerun pays nothing.
    await expect(
      conditions.reviewCondition(database, {
        conditionId: identity,
        decision: "clear",
        note: "again, by mistake",
        operatorId,
        client,
      }),
    ).rejects.toThrow(conditions.ConditionStateError);
    expect(await pendingDisbursementJobs(loan.id)).toBe(1);
    expect((await runDisbursementJobs(loan.id)).map((r) => r.kind)).toEqual(["done"]);
    expect((await requestLoanDisbursement(database, lenders, loan.id)).kind).toBe("already");
    expect(await disbursementCalls(loan.id)).toBe(1);

    const audits = await database.db.all<{ action: string }>(
      sql`SELECT action FROM audit_logs WHERE action LIKE 'condition.%' OR action = 'loan.funding_released' ORDER BY id`,
    );
    expect(audits.map((a) => a.action)).toEqual(
      expect.arrayContaining([
        "condition.submit",
        "condition.reject",
        "condition.clear",
        "loan.funding_released",
      ]),
    );
  });

  it("the upload is stored encrypted, with its SHA-256, and comes back byte for byte", async () => {
    const app = await conditionalLoan(2, ["identity_document"]);
    const file = pdf("identity");
    const prepared = prepareUpload(file);
    if (!prepared.ok) throw new Error(prepared.error);
    const { uploadId } = await conditions.submitConditionUpload(database, {
      applicationId: app.applicationId,
      customerId: "cus_test",
      conditionId: app.conditionIds[0]!,
      upload: prepared.upload,
      client,
    });
    const stored = await conditions.readUploadForOperator(database, {
      uploadId,
      applicationId: app.applicationId,
      operatorId,
      client,
    });
    expect(stored!.bytesEnc).toMatch(/^v1\./);
    expect(stored!.bytesEnc).not.toContain("PDF");
    const { decryptUpload } = await import("~/app/borrower/uploads.server");
    expect(new Uint8Array(decryptUpload(stored!.bytesEnc))).toEqual(file.bytes);
    expect(stored!.contentType).toBe("application/pdf");
    // Another application's id does not open it.
    const other = await conditions.readUploadForOperator(database, {
      uploadId,
      applicationId: "app_other",
      operatorId,
      client,
    });
    expect(other).toBeNull();
  });

  it("an application without conditions is never held", async () => {
    const signed = await signedApplication(merchant.key, {
      crmCustomerId: `NOCOND-${Date.now()}`,
      crmJobId: `NOCOND-JOB-${Date.now()}`,
    });
    expect(await conditions.conditionsHoldFunding(database.db, signed.applicationId)).toBe(false);
    const rows = await database.db
      .select()
      .from(loanConditions)
      .where(eq(loanConditions.applicationId, signed.applicationId));
    expect(rows).toEqual([]);
  });
});

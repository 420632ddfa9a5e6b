/**
 * Adverse action notice delivery: an application walked through the borrower's steps (sandbox
 * partners), declined by the decide-application job, gets its notice as a stored PDF e-mailed
 * once (sandbox e-mail adapter); the same after a decline by an underwriter. Delivery is the
 * `deliver-adverse-action-notice` job, committed with the decline (ADR 016): a crash between
 * the decline and the delivery delays the notice, never loses or doubles it.
 */
const { appDatabase, createMerchant } = await import("~/scripts/testing/app-harness");
const { applicationRow, offerFinancing, runJobsInFreshProcess, runPendingJobs } =
  await import("~/scripts/testing/borrower-harness");
const { loadJourney } = await import("./context.server");
const { linkBank } = await import("./bank.server");
const steps = await import("./steps.server");
const { deliverAdverseActionNotice } = await import("./notice-delivery.server");
const { documentBytes } = await import("~/app/storage/documents.server");
const { enqueueNoticeDelivery, insertReviewDeclineNotice, loadAdverseActionNotice } =
  await import("~/app/decisioning/adverse-action.server");
const { ensureDecisioningDefaults } = await import("~/app/decisioning/seed.server");

import { createHash } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { sandboxEmails } from "~/adapters/email/index";
import { applications, decisions, documents, messages } from "~/db/schema/index";
import { enqueue } from "~/jobs/enqueue.server";
import { decideApplicationJob } from "~/jobs/handlers/decide-application.definition";

const database = await appDatabase();
await ensureDecisioningDefaults(database);
const merchant = await createMerchant({ name: "Acme Pest Control" });
const client = { ip: "203.0.113.9", userAgent: "vitest" };

/** The borrower's steps, with the sandbox bank and identity; `ssnLast4` picks the bureau's answer. */
async function submitted(options: { email?: string; ssnLast4: string; bank: "link" | "skip" }) {
  const { applicationId, token } = await offerFinancing(merchant.key, {
    ...(options.email ? { email: options.email } : {}),
  });
  await steps.startApplication(await loadJourney(token, "welcome"), client);
  await steps.saveDetails(
    await loadJourney(token, "details"),
    {
      dateOfBirth: "1985-04-12",
      ssn: `66612${options.ssnLast4}`,
      monthlyIncome: 600_000,
      housingCost: 150_000,
    },
    client,
  );
  await steps.saveConsents(await loadJourney(token, "consents"), client, { sms: false });
  if (options.bank === "link") {
    expect(
      await linkBank(await loadJourney(token, "bank"), "public-sandbox-healthy", client),
    ).toEqual({ ok: true });
  } else {
    await steps.saveBankLink(await loadJourney(token, "bank"), { kind: "skipped" }, client);
  }
  await steps.saveIdentity(await loadJourney(token, "identity"), "approved", client);
  expect(await steps.submitApplication(await loadJourney(token, "review"), client)).toBe(true);
  return applicationId;
}

async function noticeDocuments(applicationId: string) {
  return database.db
    .select()
    .from(documents)
    .where(
      and(eq(documents.applicationId, applicationId), eq(documents.kind, "adverse_action_notice")),
    );
}

async function noticeEmails(applicationId: string) {
  return database.db
    .select()
    .from(messages)
    .where(
      and(
        eq(messages.applicationId, applicationId),
        eq(messages.template, "adverse_action_notice"),
      ),
    );
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

const noticeJobKind = "deliver-adverse-action-notice";

/** The application's notice-delivery jobs, oldest first. */
async function noticeJobs(applicationId: string) {
  return database.db.all<{ id: number; state: string; key: string | null; attempts: number }>(
    sql`SELECT id, state, key, attempts FROM outbox
        WHERE kind = ${noticeJobKind} AND json_extract(payload, '$.applicationId') = ${applicationId}
        ORDER BY id`,
  );
}

/** Makes the next write that inserts an audit record with `action` fail (a SQLite trigger). */
async function failingAudit<T>(action: string, work: () => Promise<T>) {
  await database.serialized(() =>
    database.client.execute(
      `CREATE TRIGGER fail_audit BEFORE INSERT ON audit_logs WHEN NEW.action = '${action}'
       BEGIN SELECT RAISE(ABORT, 'simulated failure'); END`,
    ),
  );
  try {
    return await work();
  } finally {
    await database.serialized(() => database.client.execute("DROP TRIGGER fail_audit"));
  }
}

/** A job row as a worker that claimed it and then died leaves it: running, lease expired. */
async function claimedByDeadWorker(jobId: number) {
  await database.serialized(() =>
    database.db.run(
      sql`UPDATE outbox SET state = 'running', locked_by = 'dead-worker', attempts = attempts + 1,
            locked_until = ${Date.now() - 1} WHERE id = ${jobId}`,
    ),
  );
}

describe("adverse action notice delivery", () => {
  it("an automatic decline e-mails the notice with its PDF attached, once", async () => {
    const email = "decline.once@example.com";
    const applicationId = await submitted({ email, ssnLast4: "0000", bank: "link" });
    await runPendingJobs("decide-application");
    expect((await applicationRow(applicationId))!.status).toBe("declined");
    // The decline committed with the job that delivers its notice; nothing is rendered yet.
    expect(await noticeJobs(applicationId)).toEqual([
      expect.objectContaining({ state: "pending", key: `${noticeJobKind}:${applicationId}` }),
    ]);
    expect((await loadAdverseActionNotice(database, applicationId))!.sentAt).toBeNull();
    expect(await noticeDocuments(applicationId)).toHaveLength(0);

    expect(await runPendingJobs(noticeJobKind)).toBeGreaterThanOrEqual(1);
    const notice = await loadAdverseActionNotice(database, applicationId);
    expect(notice!.sentAt).toBeInstanceOf(Date);
    const docs = await noticeDocuments(applicationId);
    expect(docs).toHaveLength(1);
    const pdf = new Uint8Array(await documentBytes(database.db, docs[0]!));
    expect(Buffer.from(pdf.subarray(0, 5)).toString("latin1")).toBe("%PDF-");
    expect(docs[0]!.sha256).toBe(sha256(pdf));
    expect(docs[0]!.contentType).toBe("application/pdf");
    const queued = await noticeEmails(applicationId);
    expect(queued).toHaveLength(1);
    expect(queued[0]!.recipient).toBe(email);
    expect(queued[0]!.documentId).toBe(docs[0]!.id);
    // The decision text still goes by SMS.
    const texts = await database.db
      .select()
      .from(messages)
      .where(
        and(eq(messages.applicationId, applicationId), eq(messages.template, "decision_ready")),
      );
    expect(texts).toHaveLength(1);

    await runPendingJobs("send-email");
    const sent = sandboxEmails().filter((m) => m.to === email);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.subject).toContain("notice of action taken");
    expect(sent[0]!.text).toContain("Principal reasons for our decision");
    expect(sent[0]!.attachments).toHaveLength(1);
    expect(sent[0]!.attachments[0]).toMatchObject({
      filename: "flowpay-notice.pdf",
      contentType: "application/pdf",
    });
    expect(sha256(sent[0]!.attachments[0]!.content)).toBe(docs[0]!.sha256);

    // The jobs run again (at-least-once), and the function is called again: nothing new. Deciding
    // again returns the decision already made, without a second delivery job.
    await database.write((tx) => enqueue(tx, decideApplicationJob, { applicationId }));
    await runPendingJobs("decide-application");
    expect(await noticeJobs(applicationId)).toHaveLength(1);
    await database.write((tx) => enqueueNoticeDelivery(tx, applicationId));
    await runPendingJobs(noticeJobKind);
    expect(await deliverAdverseActionNotice(database, applicationId)).toEqual({
      outcome: "already_sent",
      noticeId: notice!.id,
    });
    await runPendingJobs("send-email");
    expect(await noticeDocuments(applicationId)).toHaveLength(1);
    expect(await noticeEmails(applicationId)).toHaveLength(1);
    expect(sandboxEmails().filter((m) => m.to === email)).toHaveLength(1);
    expect((await loadAdverseActionNotice(database, applicationId))!.sentAt).toEqual(
      notice!.sentAt,
    );
  });

  it("without an e-mail address the notice is still stored and marked sent (the SMS points to it)", async () => {
    const applicationId = await submitted({ ssnLast4: "0000", bank: "link" });
    await runPendingJobs("decide-application");
    await runPendingJobs(noticeJobKind);
    expect((await loadAdverseActionNotice(database, applicationId))!.sentAt).toBeInstanceOf(Date);
    expect(await noticeDocuments(applicationId)).toHaveLength(1);
    expect(await noticeEmails(applicationId)).toHaveLength(0);
  });

  it("an approval sends no notice", async () => {
    const applicationId = await submitted({
      email: "approved@example.com",
      ssnLast4: "7800",
      bank: "link",
    });
    await runPendingJobs("decide-application");
    expect((await applicationRow(applicationId))!.status).toBe("approved");
    expect(await noticeJobs(applicationId)).toEqual([]);
    expect(await noticeDocuments(applicationId)).toHaveLength(0);
    expect(await deliverAdverseActionNotice(database, applicationId)).toEqual({
      outcome: "no_notice",
    });
  });

  it("a decline after manual review: the notice stored with its delivery job, sent once", async () => {
    const email = "review.decline@example.com";
    // No bank link → manual review under the default rules.
    const applicationId = await submitted({ email, ssnLast4: "7800", bank: "skip" });
    await runPendingJobs("decide-application");
    expect((await applicationRow(applicationId))!.status).toBe("manual_review");
    expect(await noticeDocuments(applicationId)).toHaveLength(0);
    expect(await noticeJobs(applicationId)).toEqual([]);

    // What the review screen commits for a decline (its own transaction)…
    const decision = await database.db
      .select()
      .from(decisions)
      .where(eq(decisions.applicationId, applicationId))
      .get();
    const decline = () =>
      database.write(async (tx) => {
        await insertReviewDeclineNotice(tx, {
          decisionId: decision!.id,
          reasonCodes: ["income_below_floor"],
        });
        await tx
          .update(applications)
          .set({ status: "declined" })
          .where(eq(applications.id, applicationId));
      });
    // …rolled back after the notice was stored: no notice, and no job to deliver one.
    const rolledBack = await database
      .write(async (tx) => {
        await insertReviewDeclineNotice(tx, {
          decisionId: decision!.id,
          reasonCodes: ["income_below_floor"],
        });
        throw new Error("the rest of the decline failed");
      })
      .catch((error: unknown) => error);
    expect(rolledBack).toBeInstanceOf(Error);
    expect(await loadAdverseActionNotice(database, applicationId)).toBeNull();
    expect(await noticeJobs(applicationId)).toEqual([]);

    // …committed: the notice and its job, and nothing sent before the job runs.
    await decline();
    expect(await noticeJobs(applicationId)).toEqual([
      expect.objectContaining({ state: "pending" }),
    ]);
    expect((await loadAdverseActionNotice(database, applicationId))!.sentAt).toBeNull();
    await runPendingJobs(noticeJobKind);
    expect((await loadAdverseActionNotice(database, applicationId))!.sentAt).toBeInstanceOf(Date);
    expect(await deliverAdverseActionNotice(database, applicationId)).toMatchObject({
      outcome: "already_sent",
    });
    await runPendingJobs("send-email");
    const sent = sandboxEmails().filter((m) => m.to === email);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.text).toContain("Income insufficient for amount of credit requested");
    expect(sent[0]!.attachments).toHaveLength(1);
    expect(await noticeDocuments(applicationId)).toHaveLength(1);
  });

  it("an automatic decline that rolls back leaves no delivery job", async () => {
    const applicationId = await submitted({ ssnLast4: "0000", bank: "link" });
    // The decision's audit record is the last write of decide()'s transaction.
    const failed = await failingAudit("application.decided", () =>
      runPendingJobs("decide-application").catch((error: unknown) => error),
    );
    expect(String((failed as Error).cause)).toContain("simulated failure");
    expect((await applicationRow(applicationId))!.status).toBe("submitted");
    expect(await loadAdverseActionNotice(database, applicationId)).toBeNull();
    expect(await noticeJobs(applicationId)).toEqual([]);
    // The decide job is still pending (runPendingJobs completes only what succeeded): again.
    await runPendingJobs("decide-application");
    expect((await applicationRow(applicationId))!.status).toBe("declined");
    expect(await noticeJobs(applicationId)).toHaveLength(1);
  });

  it("crash after an automatic decline commits: a restarted process delivers the notice once", async () => {
    const email = "decline.crash@example.com";
    const applicationId = await submitted({ email, ssnLast4: "0000", bank: "link" });
    await runPendingJobs("decide-application");
    expect((await applicationRow(applicationId))!.status).toBe("declined");
    // The process dies now: nothing here runs the notice job (before, the notice was lost here).
    const [job] = await noticeJobs(applicationId);
    expect(job).toMatchObject({ state: "pending", attempts: 0 });
    expect((await loadAdverseActionNotice(database, applicationId))!.sentAt).toBeNull();

    await runJobsInFreshProcess([noticeJobKind]);
    expect(await noticeJobs(applicationId)).toEqual([
      expect.objectContaining({ id: job!.id, state: "completed", attempts: 1 }),
    ]);
    expect((await loadAdverseActionNotice(database, applicationId))!.sentAt).toBeInstanceOf(Date);
    expect(await noticeDocuments(applicationId)).toHaveLength(1);
    expect(await noticeEmails(applicationId)).toHaveLength(1);

    // Restarting again finds nothing to do.
    await runJobsInFreshProcess([noticeJobKind]);
    await runPendingJobs("send-email");
    expect(sandboxEmails().filter((m) => m.to === email)).toHaveLength(1);
    expect(await noticeDocuments(applicationId)).toHaveLength(1);
  });

  it("crash while delivering: the job of a dead worker is taken over and sends nothing twice", async () => {
    const email = "decline.midway@example.com";
    const applicationId = await submitted({ email, ssnLast4: "0000", bank: "link" });
    await runPendingJobs("decide-application");
    const [job] = await noticeJobs(applicationId);

    // A worker claimed the job, committed the delivery, and died before completing the job.
    await claimedByDeadWorker(job!.id);
    expect((await deliverAdverseActionNotice(database, applicationId)).outcome).toBe("sent");

    // A restarted process reclaims the expired lease and runs the job again: already sent.
    await runJobsInFreshProcess([noticeJobKind]);
    expect(await noticeJobs(applicationId)).toEqual([
      expect.objectContaining({ state: "completed", attempts: 2 }),
    ]);
    expect(await noticeDocuments(applicationId)).toHaveLength(1);
    expect(await noticeEmails(applicationId)).toHaveLength(1);

    // The same for a worker that died before delivering: the restarted process delivers it.
    const other = await submitted({
      email: "decline.midway2@example.com",
      ssnLast4: "0000",
      bank: "link",
    });
    await runPendingJobs("decide-application");
    const [otherJob] = await noticeJobs(other);
    await claimedByDeadWorker(otherJob!.id);
    await runJobsInFreshProcess([noticeJobKind]);
    expect((await loadAdverseActionNotice(database, other))!.sentAt).toBeInstanceOf(Date);
    expect(await noticeDocuments(other)).toHaveLength(1);
    expect(await noticeEmails(other)).toHaveLength(1);

    await runPendingJobs("send-email");
    expect(sandboxEmails().filter((m) => m.to === email)).toHaveLength(1);
    expect(sandboxEmails().filter((m) => m.to === "decline.midway2@example.com")).toHaveLength(1);
  });
});

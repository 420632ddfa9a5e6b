/**
 * "Request information" (issue 18, ADR 076): an underwriter asks the borrower of a review for a
 * document and/or an answer; the review waits outside the active queue until the borrower answers
 * on a single-purpose link (`/info/{token}`) or INFO_REQUEST_TIMEOUT_HOURS pass, then it is back
 * in the queue with the answer on its page.
 *
 * - The request, the review's `waiting` status, the text and e-mail with the link and the timeout
 *   job (an outbox job with a run-at) commit in one transaction; so do the answer and the review's
 *   return. Every step is audited.
 * - The link's token is 256 random bits of which only the SHA-256 is stored; it answers once.
 * - The answer's words and file are the borrower's PII: encrypted (ADR 004), the file checked by
 *   content and size exactly like a funding condition's upload (app/borrower/uploads.server.ts).
 */
import { randomBytes } from "node:crypto";
import { and, desc, eq } from "drizzle-orm";
import { z } from "zod";
import type { Database, Tx } from "~/db/client";
import { newId } from "~/db/ids";
import { applications, infoRequests, manualReviews } from "~/db/schema/index";
import { enqueue } from "~/jobs/enqueue.server";
import { infoRequestTimeoutJob } from "~/jobs/handlers/info-request-timeout.definition";
import { audit } from "~/app/audit/audit.server";
import { applicationParty } from "~/app/borrower/party.server";
import { decryptUpload, type PreparedUpload } from "~/app/borrower/uploads.server";
import { appUrl, getEnv } from "~/app/config/env.server";
import { queueEmail } from "~/app/messaging/email.server";
import { queueSms } from "~/app/messaging/sms.server";
import { getCipher } from "~/app/security/encryption.server";
import { sha256Hex } from "~/app/security/hash.server";
import { encryptionContext } from "~/app/security/reencrypt.server";
import {
  documentKindLabel,
  infoDocumentKinds,
  infoRequestDueAt,
  isPastDue,
  messageLimits,
  missingInAnswer,
  questionLimits,
  type AnswerErrors,
} from "./info-requests";
import { ReviewNotFoundError, ReviewStateError } from "./reviews.server";

type Client = { ip: string | null; userAgent: string | null };

export const answerContext = encryptionContext("info_requests", "answer_enc");
export const infoFileContext = encryptionContext("info_requests", "bytes_enc");

/** The underwriter's form (Conform + zod): a document, a question, or both, and a message. */
export const infoRequestSchema = z
  .object({
    documentKind: z.enum(infoDocumentKinds, "Choose a kind of document").optional(),
    question: z
      .string()
      .trim()
      .min(questionLimits.min, `Write the question (at least ${questionLimits.min} characters)`)
      .max(questionLimits.max, `Keep the question under ${questionLimits.max} characters`)
      .optional(),
    message: z
      .string("Write a message to the borrower")
      .trim()
      .min(messageLimits.min, `Write a message of at least ${messageLimits.min} characters`)
      .max(messageLimits.max, `Keep the message under ${messageLimits.max} characters`),
  })
  .refine((form) => form.documentKind || form.question, {
    message: "Ask for a document, a question, or both",
    path: ["documentKind"],
  });
export type InfoRequestForm = z.output<typeof infoRequestSchema>;

export const infoRequestUrl = (token: string) => `${appUrl().replace(/\/$/, "")}/info/${token}`;

/**
 * Sends the request: the review must be open, assigned to this underwriter, its application in
 * manual review, and no other request open. Returns the request's id and link (the link only
 * for the caller's tests; it is never logged).
 */
export async function requestInformation(
  database: Database,
  args: {
    reviewId: string;
    operatorId: string;
    form: InfoRequestForm;
    client: Client;
    now?: Date;
  },
) {
  const now = args.now ?? new Date();
  const hours = getEnv().INFO_REQUEST_TIMEOUT_HOURS;
  const dueAt = infoRequestDueAt(now, hours);
  const token = randomBytes(32).toString("base64url");
  const url = infoRequestUrl(token);
  return database.write(async (tx) => {
    const review = await tx.query.manualReviews.findFirst({
      where: eq(manualReviews.id, args.reviewId),
    });
    if (!review) throw new ReviewNotFoundError(`Review ${args.reviewId} does not exist`);
    if (review.status === "resolved") throw new ReviewStateError("This review is resolved.");
    if (review.status === "waiting") {
      throw new ReviewStateError("A request to the borrower is already open for this review.");
    }
    if (review.assignedTo !== args.operatorId) {
      throw new ReviewStateError("Assign the review to yourself before asking the borrower.");
    }
    const party = await applicationParty(tx, review.applicationId);
    if (!party || party.application.status !== "manual_review") {
      throw new ReviewStateError("The application is no longer in manual review.");
    }
    const id = newId("inf");
    await tx.insert(infoRequests).values({
      id,
      manualReviewId: review.id,
      applicationId: review.applicationId,
      documentKind: args.form.documentKind ?? null,
      question: args.form.question ?? null,
      message: args.form.message,
      status: "open",
      tokenHash: sha256Hex(token),
      requestedBy: args.operatorId,
      dueAt,
      createdAt: now,
      updatedAt: now,
    });
    const moved = await tx
      .update(manualReviews)
      .set({ status: "waiting" })
      .where(and(eq(manualReviews.id, review.id), eq(manualReviews.status, review.status)))
      .returning({ id: manualReviews.id });
    if (moved.length === 0) throw new ReviewStateError("The review changed meanwhile; reload.");
    // Silence puts the review back: a durable timer keyed by the request (ADR 012).
    await enqueue(
      tx,
      infoRequestTimeoutJob,
      { requestId: id },
      { runAt: dueAt, key: id, keyMode: "replace" },
    );
    const { customer, merchant } = party;
    await queueSms(tx, {
      to: customer.phone,
      applicationId: review.applicationId,
      merchantId: merchant.id,
      template: "info_requested",
      merchantName: merchant.name,
      url,
      hours,
    });
    if (customer.email) {
      const document = documentKindLabel(args.form.documentKind ?? null, "borrower");
      await queueEmail(tx, {
        to: customer.email,
        template: "info_requested",
        subject: `We need a little more to review your financing with ${merchant.name}`,
        text: [
          `Hello ${customer.firstName},`,
          "",
          `A FlowPay specialist is reviewing your application for financing with ${merchant.name} and asks:`,
          "",
          args.form.message,
          ...(document ? ["", `Document: ${document}`] : []),
          ...(args.form.question ? ["", `Question: ${args.form.question}`] : []),
          "",
          `Answer here (no account needed): ${url}`,
          `The link works until ${dueAt.toISOString().slice(0, 16).replace("T", " ")} UTC; after that we continue the review with what we have.`,
          "",
          "FlowPay",
        ].join("\n"),
        applicationId: review.applicationId,
        merchantId: merchant.id,
      });
    }
    await audit(tx, {
      actorType: "operator",
      actorId: args.operatorId,
      ...args.client,
      action: "info_request.create",
      entityType: "manual_review",
      entityId: review.id,
      details: {
        applicationId: review.applicationId,
        requestId: id,
        documentKind: args.form.documentKind ?? null,
        question: Boolean(args.form.question),
        dueAt: dueAt.toISOString(),
      },
    });
    return { requestId: id, url, dueAt };
  });
}

/** Puts a waiting review back in the queue: to its underwriter when it has one. */
async function returnToQueue(tx: Tx, reviewId: string) {
  const review = await tx.query.manualReviews.findFirst({ where: eq(manualReviews.id, reviewId) });
  if (!review || review.status !== "waiting") return;
  await tx
    .update(manualReviews)
    .set({ status: review.assignedTo ? "assigned" : "pending" })
    .where(and(eq(manualReviews.id, reviewId), eq(manualReviews.status, "waiting")));
}

async function reviewOf(reader: Database["db"] | Tx, reviewId: string) {
  return reader
    .select({ status: manualReviews.status })
    .from(manualReviews)
    .where(eq(manualReviews.id, reviewId))
    .get();
}

async function requestByToken(reader: Database["db"] | Tx, token: string) {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return undefined;
  return reader
    .select()
    .from(infoRequests)
    .where(eq(infoRequests.tokenHash, sha256Hex(token)))
    .get();
}

export type InfoRequestPage =
  | { kind: "unknown" }
  | {
      kind: "open" | "answered" | "closed";
      merchantName: string;
      firstName: string;
      message: string;
      question: string | null;
      document: string | null;
      dueAt: string;
    };

/** What the borrower's link shows: the request while it is open, then what became of it. */
export async function loadInfoRequestPage(
  database: Database,
  token: string,
  now = new Date(),
): Promise<InfoRequestPage> {
  const request = await requestByToken(database.db, token);
  if (!request) return { kind: "unknown" };
  const party = await applicationParty(database.db, request.applicationId);
  if (!party) return { kind: "unknown" };
  // A review resolved meanwhile (approved or declined by the underwriter) needs nothing more.
  const resolved = (await reviewOf(database.db, request.manualReviewId))?.status === "resolved";
  const kind =
    request.status === "answered"
      ? "answered"
      : request.status === "open" && !isPastDue(request.dueAt, now) && !resolved
        ? "open"
        : "closed";
  return {
    kind,
    merchantName: party.merchant.name,
    firstName: party.customer.firstName,
    message: request.message,
    question: request.question,
    document: documentKindLabel(request.documentKind, "borrower"),
    dueAt: request.dueAt.toISOString(),
  };
}

export class InfoAnswerError extends Error {
  override name = "InfoAnswerError";
  constructor(
    message: string,
    readonly errors: AnswerErrors = {},
  ) {
    super(message);
  }
}

/**
 * The borrower's answer: the words and/or the checked, encrypted file, all at once (a missing
 * part writes nothing); the review goes back to the queue in the same transaction.
 */
export async function answerInfoRequest(
  database: Database,
  args: {
    token: string;
    answer: string | null;
    upload: PreparedUpload | null;
    client: Client;
    now?: Date;
  },
) {
  const now = args.now ?? new Date();
  return database.write(async (tx) => {
    const request = await requestByToken(tx, args.token);
    if (!request) throw new InfoAnswerError("This link is not valid.");
    const review = await reviewOf(tx, request.manualReviewId);
    if (
      request.status !== "open" ||
      isPastDue(request.dueAt, now) ||
      review?.status === "resolved"
    ) {
      throw new InfoAnswerError("This request is closed; nothing more is needed on this link.");
    }
    const errors = missingInAnswer(request, { answer: args.answer, hasFile: Boolean(args.upload) });
    if (Object.keys(errors).length > 0) throw new InfoAnswerError("Something is missing", errors);
    const answer = request.question ? (args.answer?.trim() ?? null) : null;
    const file = request.documentKind ? args.upload : null;
    const changed = await tx
      .update(infoRequests)
      .set({
        status: "answered",
        answeredAt: now,
        answerEnc: answer ? getCipher().encrypt(answer, answerContext) : null,
        fileName: file?.fileName ?? null,
        contentType: file?.contentType ?? null,
        sizeBytes: file?.sizeBytes ?? null,
        sha256: file?.sha256 ?? null,
        bytesEnc: file?.bytesEnc ?? null,
        updatedAt: now,
      })
      .where(and(eq(infoRequests.id, request.id), eq(infoRequests.status, "open")))
      .returning({ id: infoRequests.id });
    if (changed.length === 0) throw new InfoAnswerError("This request was answered already.");
    await returnToQueue(tx, request.manualReviewId);
    await audit(tx, {
      actorType: "borrower",
      actorId: request.applicationId,
      ...args.client,
      action: "info_request.answer",
      entityType: "manual_review",
      entityId: request.manualReviewId,
      details: {
        requestId: request.id,
        answered: Boolean(answer),
        document: file ? { sha256: file.sha256, sizeBytes: file.sizeBytes } : null,
      },
    });
    return { requestId: request.id, reviewId: request.manualReviewId };
  });
}

/** The timeout job: an open request past its time closes and its review returns to the queue. */
export async function timeOutInfoRequest(
  database: Database,
  requestId: string,
  now = new Date(),
): Promise<"timed_out" | "not_open" | "not_due"> {
  return database.write(async (tx) => {
    const request = await tx
      .select()
      .from(infoRequests)
      .where(eq(infoRequests.id, requestId))
      .get();
    if (!request || request.status !== "open") return "not_open";
    if (!isPastDue(request.dueAt, now)) return "not_due";
    await tx
      .update(infoRequests)
      .set({ status: "timed_out", updatedAt: now })
      .where(and(eq(infoRequests.id, requestId), eq(infoRequests.status, "open")));
    await returnToQueue(tx, request.manualReviewId);
    await audit(tx, {
      actorType: "system",
      actorId: "info-request-timeout",
      action: "info_request.timed_out",
      entityType: "manual_review",
      entityId: request.manualReviewId,
      details: { requestId },
    });
    return "timed_out";
  });
}

/** The underwriter withdraws an open request: the review is back in the queue at once. */
export async function withdrawInfoRequest(
  database: Database,
  args: { reviewId: string; requestId: string; operatorId: string; client: Client; now?: Date },
) {
  const now = args.now ?? new Date();
  await database.write(async (tx) => {
    const changed = await tx
      .update(infoRequests)
      .set({ status: "canceled", updatedAt: now })
      .where(
        and(
          eq(infoRequests.id, args.requestId),
          eq(infoRequests.manualReviewId, args.reviewId),
          eq(infoRequests.status, "open"),
        ),
      )
      .returning({ id: infoRequests.id });
    if (changed.length === 0) throw new ReviewStateError("This request is no longer open.");
    await returnToQueue(tx, args.reviewId);
    await audit(tx, {
      actorType: "operator",
      actorId: args.operatorId,
      ...args.client,
      action: "info_request.withdraw",
      entityType: "manual_review",
      entityId: args.reviewId,
      details: { requestId: args.requestId },
    });
  });
}

export type InfoRequestView = {
  id: string;
  status: (typeof infoRequests.$inferSelect)["status"];
  document: string | null;
  question: string | null;
  message: string;
  createdAt: string;
  dueAt: string;
  answeredAt: string | null;
  answer: string | null;
  file: { name: string; contentType: string; sizeBytes: number } | null;
};

/**
 * A review's requests, newest first, with the borrower's answers (for the underwriter: the page
 * needs `read:review`, like the funding conditions' documents).
 */
export async function listInfoRequests(
  database: Database,
  reviewId: string,
): Promise<InfoRequestView[]> {
  const rows = await database.db
    .select()
    .from(infoRequests)
    .where(eq(infoRequests.manualReviewId, reviewId))
    .orderBy(desc(infoRequests.createdAt), desc(infoRequests.id));
  return rows.map((r) => ({
    id: r.id,
    status: r.status,
    document: documentKindLabel(r.documentKind, "ops"),
    question: r.question,
    message: r.message,
    createdAt: r.createdAt.toISOString(),
    dueAt: r.dueAt.toISOString(),
    answeredAt: r.answeredAt?.toISOString() ?? null,
    answer: r.answerEnc ? getCipher().decrypt(r.answerEnc, answerContext) : null,
    file:
      r.fileName && r.contentType && r.sizeBytes !== null
        ? { name: r.fileName, contentType: r.contentType, sizeBytes: r.sizeBytes }
        : null,
  }));
}

/** The document a borrower sent with an answer, for an operator; the opening is audited. */
export async function openInfoDocument(
  database: Database,
  args: { reviewId: string; requestId: string; operatorId: string; client: Client },
) {
  const row = await database.db
    .select()
    .from(infoRequests)
    .where(and(eq(infoRequests.id, args.requestId), eq(infoRequests.manualReviewId, args.reviewId)))
    .get();
  if (!row?.bytesEnc || !row.contentType || !row.fileName) return null;
  const bytes = decryptUpload(row.bytesEnc, infoFileContext);
  await database.write((tx) =>
    audit(tx, {
      actorType: "operator",
      actorId: args.operatorId,
      ...args.client,
      action: "info_request.document_viewed",
      entityType: "manual_review",
      entityId: args.reviewId,
      details: { requestId: row.id, sha256: row.sha256 },
    }),
  );
  return { bytes, contentType: row.contentType, fileName: row.fileName };
}

/** The review's state and its application's, for what the request page offers. */
export async function reviewAwaitsDecision(database: Database, reviewId: string) {
  const row = await database.db
    .select({
      status: manualReviews.status,
      assignedTo: manualReviews.assignedTo,
      appStatus: applications.status,
    })
    .from(manualReviews)
    .innerJoin(applications, eq(applications.id, manualReviews.applicationId))
    .where(eq(manualReviews.id, reviewId))
    .get();
  return row ?? null;
}

/** The borrower's answer form (Conform + zod); what a request needs is checked by missingInAnswer. */
export const infoAnswerSchema = z.object({
  answer: z.string().trim().max(2000, "Keep your answer under 2,000 characters").optional(),
});

/** For the review page's link: whether a request is open and how many were answered. */
export async function infoRequestSummary(database: Database, reviewId: string) {
  const rows = await database.db
    .select({ status: infoRequests.status })
    .from(infoRequests)
    .where(eq(infoRequests.manualReviewId, reviewId));
  return {
    open: rows.some((r) => r.status === "open"),
    answered: rows.filter((r) => r.status === "answered").length,
  };
}

import { and, eq, isNull } from "drizzle-orm";
import type { Database } from "~/db/client";
import { newId } from "~/db/ids";
import {
  adverseActionNotices,
  applications,
  customers,
  documents,
  merchants,
} from "~/db/schema/index";
import { audit } from "~/app/audit/audit.server";
import {
  loadAdverseActionNotice,
  type StoredAdverseActionNotice,
} from "~/app/decisioning/adverse-action.server";
import { queueEmail } from "~/app/messaging/email.server";
import { sha256Hex } from "~/app/security/hash.server";
import { documentColumns, encodeDocument } from "~/app/storage/documents.server";
import { renderNoticePdf } from "./agreement-pdf.server";

export type NoticeDelivery =
  | { outcome: "no_notice" }
  | { outcome: "already_sent"; noticeId: string }
  | {
      outcome: "sent";
      noticeId: string;
      documentId: string;
      sha256: string;
      /** The e-mail carrying the PDF; null when the customer gave no e-mail address. */
      emailMessageId: string | null;
    };

/**
 * Sends an application's adverse action notice (docs/product/lending.md: every decline, automatic or after
 * review, at once): the notice as a PDF, kept in `documents` (kind "adverse_action_notice", with
 * its SHA-256) as the record of what was sent, and e-mailed with that PDF attached when the
 * customer has an e-mail address. The notice's `sent_at` is set in the same transaction. The
 * decision text itself goes by SMS (`notifyDecision`) and points to the e-mail and to the notice
 * on the borrower's declined page, so a customer without an e-mail address has it that way.
 *
 * Idempotent: `sent_at` can be set once (the database enforces it), and the transaction only
 * proceeds when it sets it — a second run, or two at the same time, sends nothing new. The PDF
 * is rendered before the transaction (CPU never holds the write lock) and dated `now`, the same
 * instant as `sent_at`, so the stored bytes can be reproduced from the notice.
 *
 * Run only by the `deliver-adverse-action-notice` job, which the decline's own transaction
 * enqueues — decide() after an automatic decline, `insertReviewDeclineNotice` after a review
 * decline — so a crash after the decline commits delays the notice but cannot lose it (ADR 016).
 * It sends the latest notice of the application.
 */
export async function deliverAdverseActionNotice(
  database: Database,
  applicationId: string,
  options: { now?: Date } = {},
): Promise<NoticeDelivery> {
  const notice = await loadAdverseActionNotice(database, applicationId);
  if (!notice) return { outcome: "no_notice" };
  if (notice.sentAt) return { outcome: "already_sent", noticeId: notice.id };
  const recipient = await database.db
    .select({
      email: customers.email,
      merchantId: merchants.id,
      merchantName: merchants.name,
    })
    .from(applications)
    .innerJoin(customers, eq(customers.id, applications.customerId))
    .innerJoin(merchants, eq(merchants.id, applications.merchantId))
    .where(eq(applications.id, applicationId))
    .get();
  if (!recipient) return { outcome: "no_notice" };

  const sentAt = options.now ?? new Date();
  const pdf = await renderNoticePdf(notice.view, sentAt);
  const sha256 = sha256Hex(pdf);
  const encoded = await encodeDocument(pdf);

  return database.write(async (tx): Promise<NoticeDelivery> => {
    const marked = await tx
      .update(adverseActionNotices)
      .set({ sentAt })
      .where(and(eq(adverseActionNotices.id, notice.id), isNull(adverseActionNotices.sentAt)))
      .returning({ id: adverseActionNotices.id });
    if (marked.length === 0) return { outcome: "already_sent", noticeId: notice.id };
    const documentId = newId("doc");
    await tx.insert(documents).values({
      id: documentId,
      applicationId,
      kind: "adverse_action_notice",
      contentType: "application/pdf",
      sha256,
      ...(await documentColumns(tx, encoded)),
    });
    const emailMessageId = recipient.email
      ? await queueEmail(tx, {
          to: recipient.email,
          template: "adverse_action_notice",
          subject: `Your financing application with ${recipient.merchantName}: notice of action taken`,
          text: noticeEmailText(notice),
          applicationId,
          merchantId: recipient.merchantId,
          documentId,
        })
      : null;
    await audit(tx, {
      actorType: "system",
      actorId: "notice-delivery",
      action: "application.adverse_action_notice_sent",
      entityType: "application",
      entityId: applicationId,
      details: {
        notice_id: notice.id,
        decision_id: notice.decisionId,
        document_id: documentId,
        sha256,
        email: emailMessageId !== null,
      },
    });
    return { outcome: "sent", noticeId: notice.id, documentId, sha256, emailMessageId };
  });
}

function noticeEmailText(notice: StoredAdverseActionNotice) {
  return [
    notice.text,
    "This notice is also attached as a PDF. Keep it for your records.",
    "",
    "FlowPay",
  ].join("\n");
}

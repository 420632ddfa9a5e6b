import { eq } from "drizzle-orm";
import type { Database, Tx } from "~/db/client";
import { newId } from "~/db/ids";
import { documents, messages } from "~/db/schema/index";
import { createEmailAdapter } from "~/adapters/email/index";
import type { EmailAdapter } from "~/adapters/email/types";
import { enqueue } from "~/jobs/enqueue.server";
import { sendEmailJob } from "~/jobs/handlers/send-email.definition";
import { getEnv, isProduction, namedSandbox } from "~/app/config/env.server";
import { getCipher } from "~/app/security/encryption.server";
import { bodyContext } from "./sms.server";
import { singleton } from "~/app/singleton.server";
import { documentBytes } from "~/app/storage/documents.server";

/**
 * SMTP when SMTP_URL is set, the sandbox (viewable at /dev/messages) otherwise or when named in
 * SANDBOX_PARTNERS. Never the sandbox implicitly in production: adverse action notices must
 * really leave (boot refuses a production start without SMTP_URL unless email is named, ADR 029).
 */
export function getEmailAdapter(): EmailAdapter {
  const env = getEnv();
  if (!namedSandbox("email") && isProduction() && !env.SMTP_URL) {
    throw new Error("E-mail is not configured (SMTP_URL)");
  }
  return singleton<EmailAdapter>("email", () =>
    createEmailAdapter({
      smtpUrl: namedSandbox("email") ? undefined : env.SMTP_URL,
      from: env.EMAIL_FROM,
    }),
  );
}

type StoredEmail = { subject: string; text: string };

/** Records an e-mail (subject and text encrypted like texts) and enqueues its delivery, in the caller's tx. */
export async function queueEmail(
  tx: Tx,
  input: {
    to: string;
    template: string;
    subject: string;
    text: string;
    applicationId?: string | null;
    merchantId?: string | null;
    documentId?: string | null;
  },
) {
  const id = newId("msg");
  const stored: StoredEmail = { subject: input.subject, text: input.text };
  await tx.insert(messages).values({
    id,
    applicationId: input.applicationId ?? null,
    merchantId: input.merchantId ?? null,
    channel: "email",
    recipient: input.to,
    template: input.template,
    bodyEnc: getCipher().encrypt(JSON.stringify(stored), bodyContext),
    documentId: input.documentId ?? null,
    status: "queued",
  });
  await enqueue(tx, sendEmailJob, { messageId: id });
  return id;
}

export function emailContent(bodyEnc: string): StoredEmail {
  return JSON.parse(getCipher().decrypt(bodyEnc, bodyContext)) as StoredEmail;
}

/** The send-email job: once sent, never again; the job's idempotency key names the message downstream. */
export async function deliverEmail(
  database: Database,
  adapter: EmailAdapter,
  messageId: string,
  options: { idempotencyKey: string; signal: AbortSignal },
) {
  const message = await database.db.select().from(messages).where(eq(messages.id, messageId)).get();
  if (!message || message.status !== "queued") return { outcome: "skipped" as const };
  const content = emailContent(message.bodyEnc);
  const document = message.documentId
    ? await database.db.select().from(documents).where(eq(documents.id, message.documentId)).get()
    : undefined;
  const attachment = document && { ...document, bytes: await documentBytes(database.db, document) };
  try {
    const result = await adapter.send(
      {
        to: message.recipient,
        subject: content.subject,
        text: content.text,
        idempotencyKey: options.idempotencyKey,
        attachments: attachment
          ? [
              {
                filename:
                  attachment.kind === "agreement"
                    ? "flowpay-loan-agreement.pdf"
                    : "flowpay-notice.pdf",
                contentType: attachment.contentType,
                content: new Uint8Array(attachment.bytes),
              },
            ]
          : undefined,
      },
      options.signal,
    );
    await database.write((tx) =>
      tx
        .update(messages)
        .set({
          status: "sent",
          provider: adapter.name,
          providerMessageId: result.providerMessageId,
        })
        .where(eq(messages.id, messageId)),
    );
    return { outcome: "sent" as const };
  } catch (error) {
    if ((error as { permanent?: boolean }).permanent) {
      await database.write((tx) =>
        tx
          .update(messages)
          .set({ status: "failed", provider: adapter.name })
          .where(eq(messages.id, messageId)),
      );
    }
    throw error;
  }
}

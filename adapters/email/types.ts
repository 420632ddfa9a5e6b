/**
 * Transactional e-mail as the rest of FlowPay sees it. Two implementations: `sandbox.ts`
 * (in memory) and `smtp.ts` (any SMTP relay, through nodemailer). Every failed send throws
 * a `PartnerError` (adapters/shared/errors.ts) with `partner: "smtp"` — the sandbox's
 * simulated failures too; see docs/sandbox/email.md for which errors are permanent.
 */

export type EmailAttachment = { filename: string; contentType: string; content: Uint8Array };

export type EmailMessage = {
  /** One recipient address, e.g. "ada@example.com" (or "Ada Lovelace <ada@example.com>"). */
  to: string;
  subject: string;
  text: string;
  html?: string;
  attachments?: EmailAttachment[];
  /**
   * Derived from our own ids (e.g. the outbox job id). Both adapters derive the
   * Message-ID from it, so a retried send carries the same Message-ID; the sandbox also
   * records it once only. SMTP itself has no idempotency: see docs/sandbox/email.md.
   */
  idempotencyKey: string;
};

export interface EmailAdapter {
  readonly name: "sandbox" | "smtp";
  /** `providerMessageId` is the Message-ID header, angle brackets included: `<…@domain>`. */
  send(message: EmailMessage, signal?: AbortSignal): Promise<{ providerMessageId: string }>;
}

/**
 * The live e-mail adapter: any SMTP relay (Postmark, SES, Mailgun, a company relay…),
 * through nodemailer.
 *
 * - One connection per message (no pool): transactional volume is low, and a fresh
 *   connection cannot be left in a bad state by an earlier failure.
 * - The Message-ID is derived from the idempotency key (message-id.ts), so a retried send
 *   carries the same Message-ID. SMTP has no idempotency, though: a send that failed after
 *   the server took the message (a timeout after DATA) is sent again on retry.
 * - Every send is bounded by `timeoutMs` (overall, and nodemailer's connect/greeting/idle
 *   timeouts) and the caller's AbortSignal.
 * - Errors → PartnerError `partner: "smtp"`: a 5xx reply is permanent (except 503, "bad
 *   sequence", which a new connection can fix), a 4xx reply, a network failure or a
 *   timeout is transient; configuration problems (no credentials, an address nodemailer
 *   refuses) are permanent. See docs/sandbox/email.md.
 */
import nodemailer, { type NodemailerError } from "nodemailer";
import { PartnerError } from "~/adapters/shared/errors";
import { PARTNER, domainOf, messageIdFor } from "./message-id";
import { type EmailAdapter, type EmailMessage } from "./types";

export type SmtpEmailConfig = {
  /**
   * `smtp://user:pass@host:port` (STARTTLS when the server offers it) or
   * `smtps://user:pass@host:465` (TLS from the start). User and password URL-encoded.
   * nodemailer reads further options from the query string (e.g. `?requireTLS=true`).
   */
  url: string;
  /** The From header, e.g. `FlowPay <no-reply@mail.flowpay.com>`; its domain names the Message-IDs. */
  from: string;
  /** Per send, overall. Default 30 s. */
  timeoutMs?: number;
};

export const DEFAULT_TIMEOUT_MS = 30_000;

/** nodemailer codes for errors without an SMTP reply that retrying cannot fix. */
const PERMANENT_CODES = new Set([
  "EAUTH", // without a reply code: e.g. the server offers no auth method we can use
  "ENOAUTH",
  "ECONFIG",
  "EENVELOPE", // without a reply code: an address nodemailer itself refuses
  "EMAXRECIPIENTS",
  "EREQUIRETLS",
  "EFILEACCESS",
  "EURLACCESS",
  "EOTP",
]);

/** nodemailer codes for a connection that failed or broke: transient. */
const NETWORK_CODES = new Set(["ECONNECTION", "ESOCKET", "EDNS", "ETLS", "EPROXY", "EPROTOCOL"]);

/**
 * A nodemailer error → PartnerError. `abortedBy` (the caller's signal) and `timedOut`
 * (our overall deadline) say whether our own signals ended the send: those win over what
 * nodemailer reports. Anything that is not a nodemailer error (a bug) is returned unchanged.
 */
export function toSmtpPartnerError(
  error: unknown,
  context: { abortedBy?: AbortSignal; timedOut: boolean; timeoutMs: number },
): unknown {
  if (error instanceof PartnerError) return error;
  if (context.abortedBy?.aborted) {
    return new PartnerError("E-mail send aborted by the caller", {
      partner: PARTNER,
      code: "ABORTED",
      permanent: false,
      cause: context.abortedBy.reason,
    });
  }
  if (context.timedOut) {
    return new PartnerError(
      `The SMTP server did not finish the send within ${context.timeoutMs} ms`,
      {
        partner: PARTNER,
        code: "TIMEOUT",
        permanent: false,
      },
    );
  }
  if (!(error instanceof Error)) return error;
  const e = error as NodemailerError;
  const code = typeof e.code === "string" ? e.code : undefined;
  if (code === undefined && typeof e.responseCode !== "number") return error;

  if (typeof e.responseCode === "number") {
    const reply = e.responseCode;
    const permanent =
      typeof e.permanent === "boolean" ? e.permanent : reply >= 500 && reply < 600 && reply !== 503;
    return new PartnerError(e.message, {
      partner: PARTNER,
      status: reply,
      code: code ?? "SMTP",
      permanent,
    });
  }
  if (code === "ETIMEDOUT") {
    return new PartnerError(`SMTP timeout: ${e.message}`, {
      partner: PARTNER,
      code: "TIMEOUT",
      permanent: false,
    });
  }
  if (code === "EABORT") {
    return new PartnerError("E-mail send aborted", {
      partner: PARTNER,
      code: "ABORTED",
      permanent: false,
    });
  }
  if (code !== undefined && NETWORK_CODES.has(code)) {
    return new PartnerError(`SMTP connection failed (${code}): ${e.message}`, {
      partner: PARTNER,
      code: "NETWORK",
      permanent: false,
    });
  }
  return new PartnerError(e.message, {
    partner: PARTNER,
    ...(code !== undefined ? { code } : {}),
    permanent: code !== undefined && PERMANENT_CODES.has(code),
  });
}

export function createSmtpEmail(config: SmtpEmailConfig): EmailAdapter {
  const { url, from } = config;
  const timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    // Not the URL itself in the message: it holds the password.
    throw new Error("SMTP url is not a URL (expected smtp://user:pass@host:port)");
  }
  if (protocol !== "smtp:" && protocol !== "smtps:") {
    throw new Error(`SMTP url must start with smtp:// or smtps:// (got ${protocol})`);
  }
  if (!from || !domainOf(from)) throw new Error("SMTP `from` must be an e-mail address");

  const transport = nodemailer.createTransport({
    url,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    // Attachments are bytes we hand over; never let content name a file or URL to fetch.
    disableFileAccess: true,
    disableUrlAccess: true,
    logger: false,
  });

  return {
    name: "smtp",

    async send(message: EmailMessage, signal?: AbortSignal) {
      const deadline = AbortSignal.timeout(timeoutMs);
      const context = { abortedBy: signal, timedOut: false, timeoutMs };
      if (signal?.aborted) throw toSmtpPartnerError(new Error("aborted"), context);
      const messageId = messageIdFor(message.idempotencyKey, from);
      try {
        await transport.sendMail({
          from,
          to: message.to,
          subject: message.subject,
          text: message.text,
          ...(message.html !== undefined ? { html: message.html } : {}),
          attachments: (message.attachments ?? []).map((attachment) => ({
            filename: attachment.filename,
            contentType: attachment.contentType,
            content: Buffer.from(
              attachment.content.buffer,
              attachment.content.byteOffset,
              attachment.content.byteLength,
            ),
          })),
          messageId,
          signal: signal ? AbortSignal.any([signal, deadline]) : deadline,
        });
      } catch (error) {
        context.timedOut = deadline.aborted;
        throw toSmtpPartnerError(error, context);
      }
      return { providerMessageId: messageId };
    },
  };
}

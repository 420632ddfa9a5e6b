/**
 * The e-mail adapter to use: SMTP when `smtpUrl` is set, the sandbox otherwise. In
 * production the app should refuse to start unless `adapter.name === "smtp"`: the sandbox
 * sends nothing.
 */
import { createSandboxEmail } from "./sandbox";
import { createSmtpEmail } from "./smtp";
import { type EmailAdapter } from "./types";

export type EmailAdapterConfig = {
  /** `smtp://user:pass@host:port` or `smtps://…`; empty or unset → sandbox. */
  smtpUrl?: string;
  /** The From header, e.g. `FlowPay <no-reply@mail.flowpay.com>`. */
  from: string;
  /** SMTP: per send. Default 30 s. */
  timeoutMs?: number;
};

export function createEmailAdapter(config: EmailAdapterConfig): EmailAdapter {
  if (!config.smtpUrl) return createSandboxEmail(config.from ? { from: config.from } : {});
  return createSmtpEmail({
    url: config.smtpUrl,
    from: config.from,
    ...(config.timeoutMs !== undefined ? { timeoutMs: config.timeoutMs } : {}),
  });
}

export { createSmtpEmail, toSmtpPartnerError, type SmtpEmailConfig } from "./smtp";
export {
  createSandboxEmail,
  sandboxEmails,
  lastSandboxEmailTo,
  clearSandboxEmails,
  SANDBOX_FROM,
  SANDBOX_MAGIC_RECIPIENTS,
  type SandboxEmail,
} from "./sandbox";
export { messageIdFor } from "./message-id";
export type { EmailAdapter, EmailAttachment, EmailMessage } from "./types";

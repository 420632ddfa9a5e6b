/**
 * The e-mail sandbox: nothing leaves the process. Every message is recorded in memory
 * (read it back with `sandboxEmails()`), its id is the Message-ID the SMTP adapter would
 * give it, a retry with the same idempotency key records nothing new, and a few magic
 * recipients fail the way an SMTP server does (docs/sandbox/email.md).
 */
import { PartnerError } from "~/adapters/shared/errors";
import { PARTNER, messageIdFor } from "./message-id";
import { type EmailAdapter, type EmailAttachment, type EmailMessage } from "./types";

export const SANDBOX_FROM = "FlowPay <no-reply@sandbox.flowpay.invalid>";

/** Recipients that fail on purpose (compared without case). */
export const SANDBOX_MAGIC_RECIPIENTS = {
  /** Permanent: 550 5.1.1 at RCPT TO (no such mailbox). */
  rejected: "bounce@sandbox.flowpay.test",
  /** Transient: 451 4.3.0 at RCPT TO, every time. */
  deferred: "deferred@sandbox.flowpay.test",
} as const;

/** Oldest messages are forgotten beyond this, so a long-running dev server stays small. */
const OUTBOX_LIMIT = 2_000;

export type SandboxEmail = {
  providerMessageId: string;
  from: string;
  to: string;
  subject: string;
  text: string;
  html?: string;
  attachments: EmailAttachment[];
  idempotencyKey: string;
  sentAt: Date;
};

// On globalThis so the outbox survives the dev server re-evaluating this module.
const STORE_KEY = Symbol.for("flowpay.adapters.email.sandboxOutbox");
type Store = { list: SandboxEmail[]; byKey: Map<string, SandboxEmail> };
function store(): Store {
  const holder = globalThis as typeof globalThis & { [STORE_KEY]?: Store };
  holder[STORE_KEY] ??= { list: [], byKey: new Map() };
  return holder[STORE_KEY];
}

function copy(email: SandboxEmail): SandboxEmail {
  return {
    ...email,
    attachments: email.attachments.map((a) => ({ ...a, content: new Uint8Array(a.content) })),
  };
}

/** Every message the sandbox accepted, oldest first (newest last). Copies. */
export function sandboxEmails(): SandboxEmail[] {
  return store().list.map(copy);
}

/** The newest message to `to` (case-insensitive), or undefined. Handy in e2e tests. */
export function lastSandboxEmailTo(to: string): SandboxEmail | undefined {
  const wanted = to.trim().toLowerCase();
  const found = [...store().list].reverse().find((email) => bareAddress(email.to) === wanted);
  return found ? copy(found) : undefined;
}

export function clearSandboxEmails(): void {
  store().list.length = 0;
  store().byKey.clear();
}

/** "Ada <ada@example.com>" → "ada@example.com"; lower case. */
function bareAddress(to: string): string {
  return (/<([^<>]+)>\s*$/.exec(to)?.[1] ?? to).trim().toLowerCase();
}

const ADDRESS = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/;

function smtpError(reply: string, permanent: boolean): PartnerError {
  const code = Number(reply.slice(0, 3));
  return new PartnerError(`Recipient command failed: ${reply} (sandbox)`, {
    partner: PARTNER,
    status: code,
    code: "EENVELOPE",
    permanent,
  });
}

function sameContent(a: SandboxEmail, b: EmailMessage): boolean {
  return (
    a.to === b.to &&
    a.subject === b.subject &&
    a.text === b.text &&
    a.html === b.html &&
    a.attachments.length === (b.attachments?.length ?? 0)
  );
}

export function createSandboxEmail(options: { from?: string } = {}): EmailAdapter {
  const from = options.from ?? SANDBOX_FROM;

  return {
    name: "sandbox",

    async send(message: EmailMessage, signal?: AbortSignal) {
      if (signal?.aborted) {
        throw new PartnerError("E-mail send aborted by the caller", {
          partner: PARTNER,
          code: "ABORTED",
          permanent: false,
          cause: signal.reason,
        });
      }
      const address = bareAddress(message.to);
      if (!ADDRESS.test(address)) {
        throw new PartnerError(`Invalid recipient ${JSON.stringify(message.to)} (sandbox)`, {
          partner: PARTNER,
          code: "EENVELOPE",
          permanent: true,
        });
      }
      if (address === SANDBOX_MAGIC_RECIPIENTS.rejected) {
        throw smtpError("550 5.1.1 <" + address + ">: Recipient address rejected", true);
      }
      if (address === SANDBOX_MAGIC_RECIPIENTS.deferred) {
        throw smtpError("451 4.3.0 <" + address + ">: Try again later", false);
      }

      const s = store();
      const earlier = s.byKey.get(message.idempotencyKey);
      if (earlier) {
        // A retry. Reusing a key for another message is a bug in the caller: say so here,
        // because an SMTP relay would silently send both (with the same Message-ID).
        if (!sameContent(earlier, message)) {
          throw new PartnerError("Idempotency key reused for a different message (sandbox check)", {
            partner: PARTNER,
            code: "IDEMPOTENCY_KEY_REUSED",
            permanent: true,
          });
        }
        return { providerMessageId: earlier.providerMessageId };
      }

      const email: SandboxEmail = {
        providerMessageId: messageIdFor(message.idempotencyKey, from),
        from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        ...(message.html !== undefined ? { html: message.html } : {}),
        attachments: (message.attachments ?? []).map((a) => ({
          filename: a.filename,
          contentType: a.contentType,
          content: new Uint8Array(a.content),
        })),
        idempotencyKey: message.idempotencyKey,
        sentAt: new Date(),
      };
      s.list.push(email);
      s.byKey.set(email.idempotencyKey, email);
      while (s.list.length > OUTBOX_LIMIT) {
        const dropped = s.list.shift();
        if (dropped) s.byKey.delete(dropped.idempotencyKey);
      }
      return { providerMessageId: email.providerMessageId };
    },
  };
}

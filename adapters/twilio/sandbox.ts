/**
 * The SMS sandbox: nothing leaves the process. Every message is recorded in memory (read it
 * back with `sandboxOutbox()`), ids are derived from the idempotency key, and a few magic
 * numbers fail the way Twilio does (docs/sandbox/twilio.md).
 */
import { createHash } from "node:crypto";
import { PartnerError } from "~/adapters/shared/errors";
import { PARTNER, abortedError, validateTwilioSignature } from "./internal";
import { type SmsAdapter, type SmsSendRequest, type SmsSendResult, type SmsStatus } from "./types";

export const SANDBOX_AUTH_TOKEN = "sandbox-auth-token";

/** `to` numbers that fail on purpose. */
export const SANDBOX_MAGIC_NUMBERS = {
  /** Permanent: Twilio error 21211, "not a valid phone number" (HTTP 400). */
  invalidNumber: "+15005550001",
  /** Transient: HTTP 503 (Twilio error 20503), every time. */
  unavailable: "+15005550009",
} as const;

/** Oldest messages are forgotten beyond this, so a long-running dev server stays small. */
const OUTBOX_LIMIT = 5_000;

export type SandboxSms = {
  providerMessageId: string;
  to: string;
  body: string;
  statusCallbackUrl?: string;
  idempotencyKey: string;
  status: SmsStatus;
  sentAt: Date;
};

// On globalThis so the outbox survives the dev server re-evaluating this module.
const STORE_KEY = Symbol.for("flowpay.adapters.twilio.sandboxOutbox");
type Store = { list: SandboxSms[]; byKey: Map<string, SandboxSms> };
function store(): Store {
  const holder = globalThis as typeof globalThis & { [STORE_KEY]?: Store };
  holder[STORE_KEY] ??= { list: [], byKey: new Map() };
  return holder[STORE_KEY];
}

/** Every message the sandbox accepted, oldest first (newest last). A copy. */
export function sandboxOutbox(): SandboxSms[] {
  return store().list.map((message) => ({ ...message }));
}

export function clearSandboxOutbox(): void {
  const s = store();
  s.list.length = 0;
  s.byKey.clear();
}

/** `SM` + 32 hex characters of sha256(idempotency key): the same key, the same id. */
export function sandboxMessageSid(idempotencyKey: string): string {
  return "SM" + createHash("sha256").update(idempotencyKey, "utf8").digest("hex").slice(0, 32);
}

export function createSandboxSms(options: { authToken?: string } = {}): SmsAdapter {
  const authToken = options.authToken ?? SANDBOX_AUTH_TOKEN;

  return {
    name: "sandbox",

    async send(request: SmsSendRequest): Promise<SmsSendResult> {
      if (request.signal?.aborted) throw abortedError(request.signal, "send");

      if (request.to === SANDBOX_MAGIC_NUMBERS.invalidNumber) {
        throw new PartnerError(`The 'To' number ${request.to} is not a valid phone number.`, {
          partner: PARTNER,
          status: 400,
          code: 21211,
          permanent: true,
        });
      }
      if (request.to === SANDBOX_MAGIC_NUMBERS.unavailable) {
        throw new PartnerError("Service unavailable (sandbox magic number)", {
          partner: PARTNER,
          status: 503,
          code: 20503,
          permanent: false,
        });
      }

      const s = store();
      const earlier = s.byKey.get(request.idempotencyKey);
      if (earlier) {
        // A retry. Reusing a key for a different message is a bug in the caller: say so
        // here, because Twilio itself would silently send both.
        if (earlier.to !== request.to || earlier.body !== request.body) {
          throw new PartnerError("Idempotency key reused for a different message (sandbox check)", {
            partner: PARTNER,
            code: "IDEMPOTENCY_KEY_REUSED",
            permanent: true,
          });
        }
        return { providerMessageId: earlier.providerMessageId, status: earlier.status };
      }

      const message: SandboxSms = {
        providerMessageId: sandboxMessageSid(request.idempotencyKey),
        to: request.to,
        body: request.body,
        ...(request.statusCallbackUrl ? { statusCallbackUrl: request.statusCallbackUrl } : {}),
        idempotencyKey: request.idempotencyKey,
        status: "queued",
        sentAt: new Date(),
      };
      s.list.push(message);
      s.byKey.set(message.idempotencyKey, message);
      while (s.list.length > OUTBOX_LIMIT) {
        const dropped = s.list.shift();
        if (dropped) s.byKey.delete(dropped.idempotencyKey);
      }
      return { providerMessageId: message.providerMessageId, status: message.status };
    },

    async findSent({ to, body, since, signal }) {
      if (signal?.aborted) throw abortedError(signal, "findSent");
      const list = store().list;
      for (let i = list.length - 1; i >= 0; i--) {
        const message = list[i];
        if (!message) continue;
        if (message.to === to && message.body === body && message.sentAt >= since) {
          return { providerMessageId: message.providerMessageId, status: message.status };
        }
      }
      return null;
    },

    validateSignature(signature, url, params) {
      return validateTwilioSignature(authToken, signature, url, params);
    },
  };
}

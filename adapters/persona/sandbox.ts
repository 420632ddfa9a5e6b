/**
 * The identity sandbox: nothing leaves the process. The outcome of an inquiry is decided
 * when it is created, by the borrower's last name (SANDBOX_OUTCOMES), and can be changed
 * afterwards with `setSandboxOutcome` (e.g. by a FlowPay sandbox page where the borrower
 * picks one). There is no hosted page: the "hosted flow" is an immediate redirect back to
 * `redirectUrl?inquiry-id=<id>&sandbox=1`. See docs/sandbox/persona.md.
 */
import { createHash, randomBytes } from "node:crypto";
import { PartnerError } from "~/adapters/shared/errors";
import { STATUS_BY_EVENT } from "./events";
import { PARTNER, abortedError } from "./internal";
import { confidenceFor } from "./status";
import { type IdentityAdapter, type KycResult, type KycStatus } from "./types";
import { personaEventBody, personaSignatureHeader, verifyPersonaWebhook } from "./webhook";

/** The sandbox's webhook secret (not a secret: it only ever verifies sandbox events). */
export const SANDBOX_WEBHOOK_SECRET = "wbhsec_sandbox_flowpay";

export type SandboxOutcome = { status: KycStatus; fraudSignals: string[] };

/**
 * Magic last names (case and surrounding spaces ignored). Anything else, or no name at
 * all, is approved.
 */
export const SANDBOX_OUTCOMES: Readonly<Record<string, SandboxOutcome>> = {
  pass: { status: "approved", fraudSignals: [] },
  fail: { status: "declined", fraudSignals: ["document_tampered"] },
  review: { status: "needs_review", fraudSignals: ["selfie_mismatch"] },
  expire: { status: "expired", fraudSignals: [] },
};

/** createInquiry fails with a transient 503 for this last name, every time (to exercise retries). */
export const SANDBOX_UNAVAILABLE_LAST_NAME = "Unavailable";

const DEFAULT_OUTCOME: SandboxOutcome = { status: "approved", fraudSignals: [] };

export type SandboxInquiry = {
  inquiryId: string;
  referenceId: string;
  redirectUrl: string;
  name: { first: string; last: string } | null;
  idempotencyKey: string | null;
  status: KycStatus;
  fraudSignals: string[];
  createdAt: Date;
};

/** Oldest inquiries are forgotten beyond this, so a long-running dev server stays small. */
const STORE_LIMIT = 5_000;

// On globalThis so the store survives the dev server re-evaluating this module.
const STORE_KEY = Symbol.for("flowpay.adapters.persona.sandboxInquiries");
type Store = { byId: Map<string, SandboxInquiry>; byIdempotencyKey: Map<string, string> };
function store(): Store {
  const holder = globalThis as typeof globalThis & { [STORE_KEY]?: Store };
  holder[STORE_KEY] ??= { byId: new Map(), byIdempotencyKey: new Map() };
  return holder[STORE_KEY];
}

/** Every inquiry the sandbox created, oldest first. Copies. */
export function sandboxInquiries(): SandboxInquiry[] {
  return [...store().byId.values()].map((inquiry) => ({
    ...inquiry,
    fraudSignals: [...inquiry.fraudSignals],
  }));
}

export function clearSandboxInquiries(): void {
  store().byId.clear();
  store().byIdempotencyKey.clear();
}

/** The outcome the sandbox gives a borrower with this last name. */
export function sandboxOutcomeFor(lastName: string | undefined): SandboxOutcome {
  const outcome = lastName ? SANDBOX_OUTCOMES[lastName.trim().toLowerCase()] : undefined;
  return outcome ?? DEFAULT_OUTCOME;
}

/**
 * Changes a sandbox inquiry's outcome (a sandbox "hosted" page where the borrower picks
 * one, a demo, a test). Fraud signals default to those of the matching magic name.
 */
export function setSandboxOutcome(
  inquiryId: string,
  status: KycStatus,
  fraudSignals?: string[],
): SandboxInquiry {
  const inquiry = store().byId.get(inquiryId);
  if (!inquiry) throw new Error(`No sandbox inquiry ${inquiryId}`);
  const magic = Object.values(SANDBOX_OUTCOMES).find((outcome) => outcome.status === status);
  inquiry.status = status;
  inquiry.fraudSignals = [...(fraudSignals ?? magic?.fraudSignals ?? [])];
  return { ...inquiry, fraudSignals: [...inquiry.fraudSignals] };
}

/** `redirectUrl` with `inquiry-id` and `sandbox=1` added (its own query string kept). */
export function sandboxHostedUrl(redirectUrl: string, inquiryId: string): string {
  const url = new URL(redirectUrl);
  url.searchParams.set("inquiry-id", inquiryId);
  url.searchParams.set("sandbox", "1");
  return url.toString();
}

function newInquiryId(idempotencyKey: string | undefined): string {
  // Persona's ids look like inq_ + 24 base58-ish characters; ours are recognisably sandbox.
  const entropy = idempotencyKey
    ? createHash("sha256").update(idempotencyKey, "utf8").digest("hex").slice(0, 24)
    : randomBytes(12).toString("hex");
  return `inq_sandbox_${entropy}`;
}

function notFound(inquiryId: string): PartnerError {
  return new PartnerError(`Record not found: inquiry ${inquiryId} (sandbox)`, {
    partner: PARTNER,
    status: 404,
    permanent: true,
  });
}

/**
 * A signed webhook as Persona would send it, for tests and demos: POST `body` with the
 * header `Persona-Signature: <header>` to the webhook route. Signed with the sandbox
 * secret unless `secret` (one, or two to mimic a rotation) is given.
 */
export function signSandboxEvent(
  event: {
    inquiryId: string;
    /** e.g. "inquiry.approved"; defaults to the event for `status`. */
    name?: string;
    status?: KycStatus;
    referenceId?: string | null;
    eventId?: string;
    createdAt?: Date;
  },
  options: { secret?: string | readonly string[]; t?: number } = {},
): { body: string; header: string; eventId: string } {
  const status = event.status ?? (event.name ? STATUS_BY_EVENT[event.name] : undefined);
  const name =
    event.name ??
    Object.entries(STATUS_BY_EVENT).find(([, value]) => value === status)?.[0] ??
    "inquiry.transitioned";
  const createdAt = event.createdAt ?? new Date();
  const eventId = event.eventId ?? `evt_sandbox_${randomBytes(12).toString("hex")}`;
  const stored = store().byId.get(event.inquiryId);
  const body = personaEventBody({
    eventId,
    name,
    createdAt,
    inquiryId: event.inquiryId,
    ...(status ? { status } : {}),
    referenceId: event.referenceId ?? stored?.referenceId ?? null,
  });
  const t = options.t ?? Math.floor(Date.now() / 1000);
  const header = personaSignatureHeader(body, options.secret ?? SANDBOX_WEBHOOK_SECRET, t);
  return { body, header, eventId };
}

export function createSandboxIdentity(
  options: { webhookSecrets?: readonly string[] } = {},
): IdentityAdapter {
  const webhookSecrets = options.webhookSecrets ?? [SANDBOX_WEBHOOK_SECRET];

  return {
    name: "sandbox",

    async createInquiry({ referenceId, redirectUrl, name, idempotencyKey, signal }) {
      if (signal?.aborted) throw abortedError(signal, "createInquiry");
      if (!referenceId) {
        throw new PartnerError("reference-id is required (sandbox check)", {
          partner: PARTNER,
          status: 422,
          permanent: true,
        });
      }
      if (!URL.canParse(redirectUrl)) {
        throw new PartnerError("redirect-uri is not a URL (sandbox check)", {
          partner: PARTNER,
          status: 422,
          permanent: true,
        });
      }
      if (name?.last.trim().toLowerCase() === SANDBOX_UNAVAILABLE_LAST_NAME.toLowerCase()) {
        throw new PartnerError("Service unavailable (sandbox magic name)", {
          partner: PARTNER,
          status: 503,
          permanent: false,
        });
      }

      const s = store();
      const earlierId = idempotencyKey ? s.byIdempotencyKey.get(idempotencyKey) : undefined;
      const earlier = earlierId ? s.byId.get(earlierId) : undefined;
      if (earlier) {
        // Like Persona: the same key with other parameters is refused.
        const sameName = JSON.stringify(earlier.name) === JSON.stringify(name ?? null);
        if (
          earlier.referenceId !== referenceId ||
          earlier.redirectUrl !== redirectUrl ||
          !sameName
        ) {
          throw new PartnerError("Idempotency error: key reused with other parameters (sandbox)", {
            partner: PARTNER,
            status: 400,
            code: "IDEMPOTENCY_KEY_REUSED",
            permanent: true,
          });
        }
        return {
          inquiryId: earlier.inquiryId,
          hostedUrl: sandboxHostedUrl(redirectUrl, earlier.inquiryId),
        };
      }

      const outcome = sandboxOutcomeFor(name?.last);
      const inquiry: SandboxInquiry = {
        inquiryId: newInquiryId(idempotencyKey),
        referenceId,
        redirectUrl,
        name: name ? { first: name.first, last: name.last } : null,
        idempotencyKey: idempotencyKey ?? null,
        status: outcome.status,
        fraudSignals: [...outcome.fraudSignals],
        createdAt: new Date(),
      };
      s.byId.set(inquiry.inquiryId, inquiry);
      if (idempotencyKey) s.byIdempotencyKey.set(idempotencyKey, inquiry.inquiryId);
      while (s.byId.size > STORE_LIMIT) {
        const oldest = s.byId.values().next().value;
        if (oldest === undefined) break;
        s.byId.delete(oldest.inquiryId);
        if (oldest.idempotencyKey) s.byIdempotencyKey.delete(oldest.idempotencyKey);
      }
      return {
        inquiryId: inquiry.inquiryId,
        hostedUrl: sandboxHostedUrl(redirectUrl, inquiry.inquiryId),
      };
    },

    async getInquiry(inquiryId, signal): Promise<KycResult> {
      if (signal?.aborted) throw abortedError(signal, "getInquiry");
      const inquiry = store().byId.get(inquiryId);
      if (!inquiry) throw notFound(inquiryId);
      return {
        inquiryId,
        status: inquiry.status,
        confidence: confidenceFor(inquiry.status),
        fraudSignals: [...inquiry.fraudSignals],
        referenceId: inquiry.referenceId,
      };
    },

    verifyWebhook(rawBody, signatureHeader, now) {
      return verifyPersonaWebhook(rawBody, signatureHeader, webhookSecrets, now);
    },
  };
}

/**
 * The live SMS adapter: Twilio's REST API through the official `twilio` SDK.
 *
 * - The SDK is built with `autoRetry: false`: this adapter makes exactly one attempt per
 *   call and the job runner owns retries (PartnerError.permanent tells it whether to).
 * - Twilio's Messages API has no idempotency key, so a transient failure of `send` is
 *   ambiguous (Twilio may have accepted the message); call `findSent` before sending again.
 * - The SDK cannot take an AbortSignal, so each call races the caller's signal and a
 *   timeout (the SDK's own socket timeout is set to the same value, so the request is also
 *   given up underneath).
 */
import twilio from "twilio";
import type TwilioRequestClient from "twilio/lib/base/RequestClient";
import type TwilioResponse from "twilio/lib/http/response";
import { PartnerError, isPermanentHttpStatus } from "~/adapters/shared/errors";
import {
  PARTNER,
  abortedError,
  timeoutError,
  toSmsStatus,
  validateTwilioSignature,
} from "./internal";
import { type SmsAdapter, type SmsSendRequest, type SmsSendResult } from "./types";

export type TwilioSmsConfig = {
  accountSid: string;
  authToken: string;
  /** The sending number (E.164). One of `from` / `messagingServiceSid` is required. */
  from?: string;
  /** Preferred over `from` when both are set (sender pool, A2P campaign, opt-out handling). */
  messagingServiceSid?: string;
  /** Tests and local fakes only: every request goes to this origin instead of api.twilio.com. */
  apiBaseUrl?: string;
  /** Per call, including every page of a list. Default 10 s. */
  timeoutMs?: number;
};

export const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * How far before `since` a message may have been created and still count in `findSent`:
 * Twilio's clock and ours differ a little. Twilio filters `DateSent` by day, so this
 * window is applied here, on Twilio's `date_created`.
 */
export const FIND_SENT_CLOCK_SKEW_MS = 60_000;

/** Twilio codes that come with a 4xx but are worth retrying. */
const TRANSIENT_TWILIO_CODES = new Set<number>([
  21611, // the From number's queue is full
  20429, // too many requests
]);

/**
 * A RequestClient that sends every request to `apiBaseUrl` (scheme, host, port, and a path
 * prefix if any) instead of *.twilio.com. Twilio's region/edge settings cannot do this.
 */
export class RedirectingRequestClient extends twilio.RequestClient {
  readonly #base: URL;

  constructor(apiBaseUrl: string, options: TwilioRequestClient.RequestClientOptions) {
    super(options);
    this.#base = new URL(apiBaseUrl);
  }

  override request<TData>(
    options: TwilioRequestClient.RequestOptions<TData>,
  ): Promise<TwilioResponse<TData>> {
    const uri = new URL(options.uri);
    uri.protocol = this.#base.protocol;
    uri.host = this.#base.host;
    const prefix = this.#base.pathname.replace(/\/+$/, "");
    if (prefix) uri.pathname = prefix + uri.pathname;
    return super.request({ ...options, uri: uri.href });
  }
}

export function createTwilioSms(config: TwilioSmsConfig): SmsAdapter {
  const { accountSid, authToken, from, messagingServiceSid, apiBaseUrl } = config;
  const timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!accountSid?.startsWith("AC")) throw new Error("Twilio accountSid must start with AC");
  if (!authToken) throw new Error("Twilio authToken is required");
  if (!from && !messagingServiceSid) {
    throw new Error("Twilio needs a `from` number or a `messagingServiceSid`");
  }

  const options: twilio.ClientOpts = { autoRetry: false, timeout: timeoutMs };
  if (apiBaseUrl)
    options.httpClient = new RedirectingRequestClient(apiBaseUrl, { timeout: timeoutMs });
  const client = twilio(accountSid, authToken, options);
  const sender = messagingServiceSid ? { messagingServiceSid } : { from: from as string };

  /** One SDK call, raced against the caller's signal and the timeout; errors mapped. */
  async function call<T>(
    action: string,
    signal: AbortSignal | undefined,
    work: () => Promise<T>,
  ): Promise<T> {
    if (signal?.aborted) throw abortedError(signal, action);
    let timer: ReturnType<typeof setTimeout> | undefined;
    let onAbort: (() => void) | undefined;
    const guard = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(timeoutError(action, timeoutMs)), timeoutMs);
      if (signal) {
        onAbort = () => reject(abortedError(signal, action));
        signal.addEventListener("abort", onAbort, { once: true });
      }
    });
    // Through a promise, so that even a synchronous throw from the SDK is mapped and awaited.
    const attempt = Promise.resolve()
      .then(work)
      .catch((error: unknown) => {
        throw toPartnerError(error, action, timeoutMs);
      });
    // If the guard wins, the attempt settles later with nobody listening.
    attempt.catch(() => {});
    try {
      return await Promise.race([attempt, guard]);
    } finally {
      clearTimeout(timer);
      if (signal && onAbort) signal.removeEventListener("abort", onAbort);
    }
  }

  return {
    name: "twilio",

    async send(request: SmsSendRequest): Promise<SmsSendResult> {
      const message = await call("send", request.signal, () =>
        client.messages.create({
          to: request.to,
          body: request.body,
          ...sender,
          ...(request.statusCallbackUrl ? { statusCallback: request.statusCallbackUrl } : {}),
        }),
      );
      if (typeof message.sid !== "string" || !message.sid) {
        throw new PartnerError("Twilio accepted the message but its answer had no sid", {
          partner: PARTNER,
          code: "INVALID_RESPONSE",
          permanent: false,
        });
      }
      return { providerMessageId: message.sid, status: toSmsStatus(message.status) };
    },

    async findSent({ to, body, since, signal }) {
      const notBefore = since.getTime() - FIND_SENT_CLOCK_SKEW_MS;
      const matches = (messages: { body: string; dateCreated: Date | null | undefined }[]) =>
        messages.find((message) => {
          if (message.body !== body) return false;
          const created = message.dateCreated?.getTime();
          // No usable date: the server-side filter already judged it.
          return created === undefined || Number.isNaN(created) || created >= notBefore;
        });

      const sent = await call("findSent", signal, () =>
        client.messages.list({ to, dateSentAfter: since, limit: 20 }),
      );
      let found = matches(sent);
      if (!found) {
        // A message still queued at Twilio has no date_sent yet, so the DateSent filter
        // cannot see it. Look at the newest messages to that number too.
        const newest = await call("findSent", signal, () =>
          client.messages.list({ to, limit: 20 }),
        );
        found = matches(newest);
      }
      if (!found) return null;
      const message = found as (typeof sent)[number];
      return { providerMessageId: message.sid, status: toSmsStatus(message.status) };
    },

    validateSignature(signature, url, params) {
      return validateTwilioSignature(authToken, signature, url, params);
    },
  };
}

/**
 * SDK error → PartnerError. Twilio's answers (RestException / TwilioServiceException, both
 * carrying `status` and `code`) are permanent for a 4xx except 408/425/429 and the codes
 * above; failures without an answer (network, timeout) are transient. Anything else is a
 * bug and is rethrown unchanged. The SDK's network errors carry the request's
 * Authorization header in their config, so only their code and message are kept.
 */
export function toPartnerError(error: unknown, action: string, timeoutMs: number): unknown {
  if (error instanceof PartnerError) return error;
  if (typeof error !== "object" || error === null) return error;
  const e = error as {
    isAxiosError?: boolean;
    code?: unknown;
    status?: unknown;
    message?: unknown;
  };
  const message = typeof e.message === "string" ? e.message : String(error);

  if (e.isAxiosError === true) {
    const networkCode = typeof e.code === "string" ? e.code : undefined;
    if (networkCode === "ECONNABORTED" || networkCode === "ETIMEDOUT") {
      return timeoutError(action, timeoutMs);
    }
    return new PartnerError(`Twilio ${action}: network error (${networkCode ?? message})`, {
      partner: PARTNER,
      code: "NETWORK",
      permanent: false,
      cause: new Error(message),
    });
  }

  if (typeof e.status === "number" && e.status >= 400 && e.status < 600) {
    const twilioCode = typeof e.code === "number" ? e.code : undefined;
    const permanent =
      isPermanentHttpStatus(e.status) &&
      !(twilioCode !== undefined && TRANSIENT_TWILIO_CODES.has(twilioCode));
    return new PartnerError(
      `Twilio ${action} failed: HTTP ${e.status}${twilioCode ? ` (error ${twilioCode})` : ""}: ${message}`,
      {
        partner: PARTNER,
        status: e.status,
        ...(twilioCode !== undefined ? { code: twilioCode } : {}),
        permanent,
      },
    );
  }

  if (error instanceof SyntaxError) {
    // A 2xx whose body was not JSON (a proxy's error page, say).
    return new PartnerError(`Twilio ${action}: unreadable answer`, {
      partner: PARTNER,
      code: "INVALID_RESPONSE",
      permanent: false,
      cause: error,
    });
  }
  return error;
}

/**
 * A local stand-in for Twilio's Messages API (tests only), speaking its wire format:
 *
 * - `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` — form-encoded, Basic auth
 *   (`AccountSid:AuthToken`); answers 201 with the message resource.
 * - `GET  /2010-04-01/Accounts/{AccountSid}/Messages.json?To=…&DateSent>=…` — lists, newest
 *   first, paged (`PageSize`, `Page`).
 * - Errors as Twilio sends them: `{ code, message, more_info, status }` — wrong credentials
 *   401/20003, another account's path 404/20404, validation 400/212xx.
 * - `sendStatusCallback` POSTs a delivery report to the message's StatusCallback URL, signed
 *   with X-Twilio-Signature computed here by hand (not with the SDK), so a test that
 *   validates it with the adapter proves both sides agree.
 *
 * It records every request (`requests`) and every message it accepted (`messages`), and can
 * fail (`failNext`) or never answer (`stallNext`) the next requests.
 */
import { createHmac, randomBytes, timingSafeEqual, createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { type AddressInfo } from "node:net";
import type { MessageInstance } from "twilio/lib/rest/api/v2010/account/message";

const API_VERSION = "2010-04-01";
const MESSAGES_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/;
const MAX_BODY_BYTES = 1_000_000;
const E164 = /^\+[1-9]\d{6,14}$/;

/** Twilio's own test numbers (as with test credentials) that the fake rejects like Twilio. */
export const FAKE_TWILIO_MAGIC_NUMBERS = {
  /** 400, error 21211: not a valid phone number. */
  invalidNumber: "+15005550001",
  /** 400, error 21610: the recipient replied STOP. */
  unsubscribed: "+15005550004",
} as const;

export type FakeTwilioMessage = {
  sid: string;
  accountSid: string;
  to: string;
  from: string | null;
  messagingServiceSid: string | null;
  body: string;
  statusCallback: string | null;
  status: string;
  errorCode: number | null;
  dateCreated: Date;
  /** Null until the message leaves the queue (a status callback of sending/sent/… sets it). */
  dateSent: Date | null;
  dateUpdated: Date;
  /** The form fields exactly as received. */
  form: Record<string, string>;
  /** The Authorization header exactly as received. */
  authorization: string | undefined;
};

export type FakeTwilioRequest = {
  method: string;
  path: string;
  query: Record<string, string>;
  authorization: string | undefined;
  /** What the fake answered (0 for a stalled request). */
  status: number;
};

export type FakeStatusCallback = {
  url: string;
  params: Record<string, string>;
  signature: string;
  /** The receiver's answer. */
  status: number;
  body: string;
};

export type FakeTwilio = {
  /** Origin to give the adapter as `apiBaseUrl`, e.g. http://127.0.0.1:43117 */
  url: string;
  accountSid: string;
  /** Every message accepted, oldest first. */
  messages: FakeTwilioMessage[];
  /** Every request received, oldest first, including rejected ones. */
  requests: FakeTwilioRequest[];
  /** The next `count` requests (any route, before the auth check — like an edge outage) answer `status` with a Twilio error body. */
  failNext(count: number, status: number, code?: number): void;
  /** The next `count` requests get no answer at all (until close). */
  stallNext(count: number): void;
  /** Moves a message to `status` (a status of sending/sent/delivered/undelivered sets date_sent), without a callback. */
  setStatus(messageSid: string, status: string, errorCode?: number | string): FakeTwilioMessage;
  /** `setStatus`, then POSTs the signed status callback to the message's StatusCallback URL. */
  sendStatusCallback(
    messageSid: string,
    status: string,
    errorCode?: number | string,
  ): Promise<FakeStatusCallback>;
  close(): Promise<void>;
};

/** Twilio's X-Twilio-Signature, by hand: Base64(HMAC-SHA1(token, url + sorted name+value)). */
export function twilioSignature(
  authToken: string,
  url: string,
  params: Record<string, string>,
): string {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, name) => acc + name + params[name], url);
  return createHmac("sha1", authToken).update(data, "utf8").digest("base64");
}

/**
 * The Message resource as Twilio sends it: the payload type the twilio SDK's MessageInstance is
 * built from (its constructor's second parameter; the SDK does not export the interface). The
 * SDK types dates as Date and nothing as nullable, but on the wire dates are RFC 2822 strings
 * and most fields may be null: TwilioWire says so. With `satisfies`, tsc fails when the fake
 * leaves out a field Twilio sends or invents one it does not (docs/partners/twilio.md).
 */
export type TwilioMessageResource = ConstructorParameters<typeof MessageInstance>[1];
export type TwilioWire<T> = {
  [K in keyof T]: T[K] extends Date ? string | null : T[K] | null;
};

/** Twilio's dates: RFC 2822 with "+0000", e.g. "Thu, 24 Aug 2023 05:01:45 +0000". */
function rfc2822(date: Date | null): string | null {
  return date ? date.toUTCString().replace("GMT", "+0000") : null;
}

function sameSecret(a: string, b: string): boolean {
  const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();
  return timingSafeEqual(digest(a), digest(b));
}

function defaultErrorCode(status: number): number {
  if (status === 401) return 20003;
  return 20000 + status; // 20404, 20429, 20500, 20503, …
}

const sentStates = new Set(["sending", "sent", "delivered", "undelivered", "read"]);

export async function startFakeTwilio(options: {
  accountSid: string;
  authToken: string;
}): Promise<FakeTwilio> {
  const { accountSid, authToken } = options;
  const messages: FakeTwilioMessage[] = [];
  const requests: FakeTwilioRequest[] = [];
  const failures: { status: number; code: number }[] = [];
  let stalls = 0;
  const stalled = new Set<ServerResponse>();

  function sendJson(res: ServerResponse, status: number, body: unknown) {
    res.writeHead(status, { "Content-Type": "application/json; charset=utf-8" });
    res.end(JSON.stringify(body));
  }

  function sendError(res: ServerResponse, status: number, code: number, message: string) {
    sendJson(res, status, {
      code,
      message,
      more_info: `https://www.twilio.com/docs/errors/${code}`,
      status,
    });
  }

  function resource(message: FakeTwilioMessage) {
    const uri = `/${API_VERSION}/Accounts/${message.accountSid}/Messages/${message.sid}.json`;
    // Checked by tsc against the twilio SDK's own wire type for a Message (see TwilioWire).
    return {
      account_sid: message.accountSid,
      api_version: API_VERSION,
      body: message.body,
      date_created: rfc2822(message.dateCreated),
      date_sent: rfc2822(message.dateSent),
      date_updated: rfc2822(message.dateUpdated),
      direction: "outbound-api",
      error_code: message.errorCode,
      error_message: null,
      from: message.from,
      messaging_service_sid: message.messagingServiceSid,
      num_media: "0",
      num_segments: String(Math.max(1, Math.ceil(message.body.length / 153))),
      price: null,
      price_unit: "USD",
      sid: message.sid,
      status: message.status as TwilioMessageResource["status"],
      subresource_uris: { media: uri.replace(/\.json$/, "/Media.json") },
      to: message.to,
      uri,
    } satisfies TwilioWire<TwilioMessageResource>;
  }

  async function readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) throw new Error("body too large");
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks).toString("utf8");
  }

  function authenticated(authorization: string | undefined): boolean {
    const match = /^Basic (.+)$/i.exec(authorization ?? "");
    if (!match?.[1]) return false;
    const decoded = Buffer.from(match[1], "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) return false;
    const user = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    // Both compared, always, in constant time.
    return [sameSecret(user, accountSid), sameSecret(password, authToken)].every(Boolean);
  }

  function createMessage(
    res: ServerResponse,
    form: Record<string, string>,
    authorization: string | undefined,
  ) {
    const to = form.To;
    const body = form.Body;
    const from = form.From || null;
    const messagingServiceSid = form.MessagingServiceSid || null;
    const statusCallback = form.StatusCallback || null;
    if (!to) return sendError(res, 400, 21604, "A 'To' phone number is required.");
    if (!from && !messagingServiceSid) {
      return sendError(res, 400, 21603, "A 'From' phone number is required.");
    }
    if (!body) return sendError(res, 400, 21602, "Message body is required.");
    if (body.length > 1600) {
      return sendError(
        res,
        400,
        21617,
        "The concatenated message body exceeds the 1600 character limit.",
      );
    }
    if (!E164.test(to) || to === FAKE_TWILIO_MAGIC_NUMBERS.invalidNumber) {
      return sendError(res, 400, 21211, `The 'To' number ${to} is not a valid phone number.`);
    }
    if (to === FAKE_TWILIO_MAGIC_NUMBERS.unsubscribed) {
      return sendError(res, 400, 21610, "Attempt to send to unsubscribed recipient");
    }
    if (statusCallback && !/^https?:\/\/[^/\s]+/i.test(statusCallback)) {
      return sendError(res, 400, 21609, "Invalid StatusCallback url");
    }
    const now = new Date();
    const message: FakeTwilioMessage = {
      sid: "SM" + randomBytes(16).toString("hex"),
      accountSid,
      to,
      from,
      messagingServiceSid,
      body,
      statusCallback,
      // Twilio answers "accepted" when a Messaging Service picks the sender, else "queued".
      status: messagingServiceSid ? "accepted" : "queued",
      errorCode: null,
      dateCreated: now,
      dateSent: null,
      dateUpdated: now,
      form,
      authorization,
    };
    messages.push(message);
    sendJson(res, 201, resource(message));
  }

  function listMessages(res: ServerResponse, path: string, query: Record<string, string>) {
    const day = (date: Date) => date.toISOString().slice(0, 10);
    // Twilio filters DateSent by day (YYYY-MM-DD), whatever time the SDK sends.
    const dayOf = (value: string | undefined) =>
      value && /^\d{4}-\d{2}-\d{2}/.test(value) ? value.slice(0, 10) : undefined;
    const on = dayOf(query.DateSent);
    const after = dayOf(query["DateSent>"]);
    const before = dayOf(query["DateSent<"]);
    const byDate = on !== undefined || after !== undefined || before !== undefined;

    const matching = messages
      .filter((m) => !query.To || m.to === query.To)
      .filter((m) => !query.From || m.from === query.From)
      .filter((m) => {
        if (!byDate) return true;
        if (!m.dateSent) return false;
        const sent = day(m.dateSent);
        if (on !== undefined && sent !== on) return false;
        if (after !== undefined && sent < after) return false;
        if (before !== undefined && sent > before) return false;
        return true;
      })
      .reverse(); // newest first

    const pageSize = Math.min(Math.max(Number(query.PageSize) || 50, 1), 1000);
    const page = Math.max(Number(query.Page) || 0, 0);
    const start = page * pageSize;
    const slice = matching.slice(start, start + pageSize);
    const pageUri = (n: number) => {
      const params = new URLSearchParams({ ...query, PageSize: String(pageSize), Page: String(n) });
      return `${path}?${params.toString()}`;
    };
    sendJson(res, 200, {
      end: start + Math.max(slice.length - 1, 0),
      first_page_uri: pageUri(0),
      messages: slice.map(resource),
      next_page_uri: start + pageSize < matching.length ? pageUri(page + 1) : null,
      page,
      page_size: pageSize,
      previous_page_uri: page > 0 ? pageUri(page - 1) : null,
      start,
      uri: pageUri(page),
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", "http://fake.twilio.local");
    const authorization = req.headers.authorization;
    const record: FakeTwilioRequest = {
      method: req.method ?? "GET",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      authorization,
      status: 0,
    };
    requests.push(record);
    res.on("finish", () => {
      record.status = res.statusCode;
    });

    if (stalls > 0) {
      stalls--;
      stalled.add(res);
      return;
    }
    const failure = failures.shift();
    if (failure) {
      return sendError(
        res,
        failure.status,
        failure.code,
        `Injected failure (HTTP ${failure.status})`,
      );
    }

    const route = MESSAGES_PATH.exec(url.pathname);
    if (!route) {
      return sendError(res, 404, 20404, `The requested resource ${url.pathname} was not found`);
    }
    if (!authenticated(authorization)) return sendError(res, 401, 20003, "Authenticate");
    if (route[1] !== accountSid) {
      return sendError(res, 404, 20404, `The requested resource ${url.pathname} was not found`);
    }

    if (req.method === "POST") {
      const raw = await readBody(req);
      const form = Object.fromEntries(new URLSearchParams(raw));
      return createMessage(res, form, authorization);
    }
    if (req.method === "GET") return listMessages(res, url.pathname, record.query);
    return sendError(res, 405, 20004, "Method not allowed");
  }

  function setStatus(messageSid: string, status: string, errorCode?: number | string) {
    const message = messages.find((m) => m.sid === messageSid);
    if (!message) throw new Error(`Fake Twilio: no message ${messageSid}`);
    const now = new Date();
    message.status = status;
    message.dateUpdated = now;
    if (errorCode !== undefined) message.errorCode = Number(errorCode);
    if (!message.dateSent && sentStates.has(status)) message.dateSent = now;
    return message;
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendError(res, 500, 20500, `Fake Twilio error: ${String(error)}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    accountSid,
    messages,
    requests,

    failNext(count, status, code) {
      for (let i = 0; i < count; i++)
        failures.push({ status, code: code ?? defaultErrorCode(status) });
    },

    stallNext(count) {
      stalls += count;
    },

    setStatus,

    async sendStatusCallback(messageSid, status, errorCode) {
      const found = messages.find((m) => m.sid === messageSid);
      if (!found) throw new Error(`Fake Twilio: no message ${messageSid}`);
      const url = found.statusCallback;
      if (!url) throw new Error(`Fake Twilio: ${messageSid} has no StatusCallback`);
      const message = setStatus(messageSid, status, errorCode);

      const params: Record<string, string> = {
        AccountSid: message.accountSid,
        ApiVersion: API_VERSION,
        MessageSid: message.sid,
        MessageStatus: status,
        SmsSid: message.sid,
        SmsStatus: status,
        To: message.to,
      };
      if (message.from) params.From = message.from;
      if (message.messagingServiceSid) params.MessagingServiceSid = message.messagingServiceSid;
      if (errorCode !== undefined) params.ErrorCode = String(errorCode);

      const signature = twilioSignature(authToken, url, params);
      const response = await fetch(url, {
        method: "POST",
        headers: {
          "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
          "X-Twilio-Signature": signature,
          "I-Twilio-Idempotency-Token": randomBytes(16).toString("hex"),
          "User-Agent": "TwilioProxy/1.1",
        },
        body: new URLSearchParams(params).toString(),
      });
      return { url, params, signature, status: response.status, body: await response.text() };
    },

    close() {
      for (const res of stalled) res.destroy();
      stalled.clear();
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

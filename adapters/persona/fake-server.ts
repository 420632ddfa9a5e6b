/**
 * A local stand-in for Persona (tests only), speaking its wire format:
 *
 * - `POST /api/v1/inquiries` — Bearer key, JSON:API body
 *   `{ data: { attributes: { "inquiry-template-id", "reference-id", "redirect-uri"?, fields? } } }`,
 *   optional `Idempotency-Key` (same key + same body → the same answer; other body → 400
 *   "Idempotency error"). Answers 201 with the inquiry document.
 * - `GET /api/v1/inquiries/{id}` — the inquiry document, with its verifications (and their
 *   `checks`) in `included`.
 * - `GET /verify?inquiry-id=…&redirect-uri=…` — the hosted flow, reduced to its end: the
 *   inquiry becomes `completed` (if it was created/pending) and the browser is redirected
 *   (302) to `redirect-uri?inquiry-id=…&reference-id=…`.
 * - Errors as Persona sends them: `{ errors: [{ title, details }] }` — 401 for a wrong or
 *   missing key, 404 for an unknown inquiry or route, 400 for a missing template id.
 * - `sendWebhook` POSTs a signed event (Persona-Signature computed here, by hand) to a URL,
 *   optionally with two pairs as during a secret rotation, or a stale `t`.
 *
 * It records every request (`requests`) and inquiry (`inquiries`), and can fail the next
 * requests (`failNext`).
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { type AddressInfo, type Socket } from "node:net";
import { statusForEvent } from "./events";
import { type KycStatus } from "./types";
import { personaEventBody } from "./webhook";

const MAX_BODY_BYTES = 1_000_000;
const INQUIRY_PATH = /^\/api\/v1\/inquiries\/([^/]+)$/;

export type FakePersonaInquiry = {
  id: string;
  templateId: string;
  referenceId: string | null;
  redirectUri: string | null;
  fields: Record<string, unknown>;
  status: KycStatus;
  /** Names of checks reported as failed on the inquiry's verification. */
  failedChecks: string[];
  createdAt: Date;
  /** The JSON body exactly as received. */
  request: unknown;
};

export type FakePersonaRequest = {
  method: string;
  path: string;
  query: Record<string, string>;
  authorization: string | undefined;
  idempotencyKey: string | undefined;
  personaVersion: string | undefined;
  contentType: string | undefined;
  /** Parsed JSON body, if any. */
  body: unknown;
  /** What the fake answered. */
  status: number;
};

export type FakeWebhookDelivery = {
  url: string;
  eventId: string;
  requestBody: string;
  signatureHeader: string;
  /** The receiver's answer. */
  status: number;
  body: string;
};

export type FakePersona = {
  /** Origin to give the adapter as `baseUrl` (and `hostedBaseUrl`), e.g. http://127.0.0.1:43117 */
  url: string;
  /** Every inquiry created, oldest first (live objects: setStatus changes them). */
  inquiries: FakePersonaInquiry[];
  /** Every request received, oldest first, including rejected ones. */
  requests: FakePersonaRequest[];
  /** The next `count` requests (any route, before the auth check) answer `status` with a JSON:API error. */
  failNext(count: number, status: number): void;
  /** Moves an inquiry to `status`; `failedChecks` are reported on its verification. */
  setStatus(inquiryId: string, status: KycStatus, failedChecks?: string[]): FakePersonaInquiry;
  /**
   * POSTs a signed event about an inquiry to `targetUrl`. Signed with `secret` (default:
   * the first webhook secret) at `t` (default: now). `rotatePair` adds a second pair, as
   * Persona does during a rotation: `true` signs it with the second configured secret,
   * or give its secret (and `t`).
   */
  sendWebhook(
    targetUrl: string,
    event: {
      name: string;
      inquiryId: string;
      eventId?: string;
      createdAt?: Date;
      /** The inquiry status in the payload; defaults to the inquiry's current one. */
      status?: KycStatus;
    },
    opts?: {
      secret?: string;
      t?: number;
      rotatePair?: boolean | { secret: string; t?: number };
    },
  ): Promise<FakeWebhookDelivery>;
  /** One `t=…,v1=…` pair, computed by hand: hex(HMAC-SHA256(secret, `${t}.${body}`)). */
  signature(body: string, secret: string, t: number): string;
  close(): Promise<void>;
};

function sameSecret(a: string, b: string): boolean {
  const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();
  return timingSafeEqual(digest(a), digest(b));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export async function startFakePersona(options: {
  apiKey: string;
  webhookSecrets: string[];
}): Promise<FakePersona> {
  const { apiKey, webhookSecrets } = options;
  const inquiries: FakePersonaInquiry[] = [];
  const requests: FakePersonaRequest[] = [];
  const failures: number[] = [];
  const idempotent = new Map<string, { body: string; status: number; answer: unknown }>();
  const sockets = new Set<Socket>();

  function signature(body: string, secret: string, t: number): string {
    const v1 = createHmac("sha256", secret).update(`${t}.${body}`, "utf8").digest("hex");
    return `t=${t},v1=${v1}`;
  }

  function sendJson(res: ServerResponse, status: number, body: unknown) {
    res.writeHead(status, { "Content-Type": "application/json; charset=utf-8" });
    res.end(JSON.stringify(body));
  }

  function sendError(res: ServerResponse, status: number, title: string, details: string) {
    sendJson(res, status, { errors: [{ title, details }] });
  }

  /**
   * Persona's "Response Body" docs: by default an API returns "some, none, or all" of the
   * primary resource's related resources; `include` (a comma-separated list of relationship
   * paths) says which go in `included`. The fake includes the verifications only when asked
   * (`include=verifications`), so an adapter that relies on the default sees no checks.
   */
  function document(inquiry: FakePersonaInquiry, include: string[] = []) {
    const verificationId = `ver_${inquiry.id.slice(4)}`;
    const started = inquiry.status !== "created";
    const verificationStatus =
      inquiry.failedChecks.length > 0 || inquiry.status === "failed" ? "failed" : "passed";
    return {
      data: {
        type: "inquiry",
        id: inquiry.id,
        attributes: {
          status: inquiry.status,
          "reference-id": inquiry.referenceId,
          fields: inquiry.fields,
          "created-at": inquiry.createdAt.toISOString(),
          "completed-at": null,
          "expired-at": null,
        },
        relationships: {
          template: { data: { type: "inquiry-template", id: inquiry.templateId } },
          verifications: {
            data: started ? [{ type: "verification/government-id", id: verificationId }] : [],
          },
        },
      },
      included:
        started && include.includes("verifications")
          ? [
              {
                type: "verification/government-id",
                id: verificationId,
                attributes: {
                  status: verificationStatus,
                  checks: [
                    ...inquiry.failedChecks.map((name) => ({
                      name,
                      status: "failed",
                      reasons: [],
                    })),
                    { name: "id_barcode_detection", status: "passed", reasons: [] },
                  ],
                },
              },
            ]
          : [],
    };
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
    const match = /^Bearer (.+)$/.exec(authorization ?? "");
    return Boolean(match?.[1]) && sameSecret(match?.[1] ?? "", apiKey);
  }

  function createInquiry(
    res: ServerResponse,
    rawBody: string,
    body: unknown,
    idempotencyKey: string | undefined,
  ) {
    if (idempotencyKey) {
      const earlier = idempotent.get(idempotencyKey);
      if (earlier) {
        if (earlier.body !== rawBody) {
          return sendError(
            res,
            400,
            "Idempotency error",
            `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
          );
        }
        return sendJson(res, earlier.status, earlier.answer);
      }
    }
    const attributes =
      isRecord(body) && isRecord(body.data) && isRecord(body.data.attributes)
        ? body.data.attributes
        : undefined;
    const templateId = attributes?.["inquiry-template-id"] ?? attributes?.["template-id"];
    if (typeof templateId !== "string" || !templateId) {
      return sendError(
        res,
        400,
        "Parameter missing",
        "param is missing or the value is empty: inquiry-template-id",
      );
    }
    const referenceId = attributes?.["reference-id"];
    const redirectUri = attributes?.["redirect-uri"];
    const inquiry: FakePersonaInquiry = {
      id: "inq_" + randomBytes(12).toString("hex"),
      templateId,
      referenceId: typeof referenceId === "string" ? referenceId : null,
      redirectUri: typeof redirectUri === "string" ? redirectUri : null,
      fields: isRecord(attributes?.fields) ? attributes.fields : {},
      status: "created",
      failedChecks: [],
      createdAt: new Date(),
      request: body,
    };
    inquiries.push(inquiry);
    const answer = document(inquiry);
    if (idempotencyKey) idempotent.set(idempotencyKey, { body: rawBody, status: 201, answer });
    sendJson(res, 201, answer);
  }

  function hostedFlow(res: ServerResponse, query: Record<string, string>) {
    const inquiry = inquiries.find((candidate) => candidate.id === query["inquiry-id"]);
    if (!inquiry) return sendError(res, 404, "Not found", "No such inquiry");
    if (inquiry.status === "created" || inquiry.status === "pending") inquiry.status = "completed";
    const target = query["redirect-uri"] ?? inquiry.redirectUri;
    if (!target) return sendError(res, 400, "Parameter missing", "redirect-uri");
    const url = new URL(target);
    url.searchParams.set("inquiry-id", inquiry.id);
    if (inquiry.referenceId) url.searchParams.set("reference-id", inquiry.referenceId);
    res.writeHead(302, { Location: url.toString() });
    res.end();
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", "http://fake.persona.local");
    const header = (name: string) => {
      const value = req.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    const record: FakePersonaRequest = {
      method: req.method ?? "GET",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      authorization: header("authorization"),
      idempotencyKey: header("idempotency-key"),
      personaVersion: header("persona-version"),
      contentType: header("content-type"),
      body: undefined,
      status: 0,
    };
    requests.push(record);
    res.on("finish", () => {
      record.status = res.statusCode;
    });

    const rawBody = await readBody(req);
    if (rawBody) {
      try {
        record.body = JSON.parse(rawBody);
      } catch {
        record.body = rawBody;
      }
    }

    const failure = failures.shift();
    if (failure !== undefined) {
      return sendError(res, failure, "Injected failure", `HTTP ${failure} from the fake`);
    }

    if (req.method === "GET" && url.pathname === "/verify") {
      return hostedFlow(res, record.query);
    }
    const isCollection = url.pathname === "/api/v1/inquiries";
    const one = INQUIRY_PATH.exec(url.pathname);
    if (!isCollection && !one) return sendError(res, 404, "Not found", "No such route");
    if (!authenticated(record.authorization)) {
      return sendError(res, 401, "Unauthorized", "The API key is missing or invalid");
    }
    if (isCollection && req.method === "POST") {
      if (!record.contentType?.startsWith("application/json") || !isRecord(record.body)) {
        return sendError(res, 400, "Bad request", "The body must be JSON (application/json)");
      }
      return createInquiry(res, rawBody, record.body, record.idempotencyKey);
    }
    if (one && req.method === "GET") {
      const id = decodeURIComponent(one[1] ?? "");
      const inquiry = inquiries.find((candidate) => candidate.id === id);
      if (!inquiry) return sendError(res, 404, "Record not found", `Inquiry ${id} not found`);
      const include = (url.searchParams.get("include") ?? "")
        .split(",")
        .map((path) => path.trim())
        .filter(Boolean);
      return sendJson(res, 200, document(inquiry, include));
    }
    return sendError(res, 405, "Method not allowed", `${req.method} ${url.pathname}`);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendError(res, 500, "Fake error", String(error));
      else res.destroy();
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    inquiries,
    requests,

    failNext(count, status) {
      for (let i = 0; i < count; i++) failures.push(status);
    },

    setStatus(inquiryId, status, failedChecks) {
      const inquiry = inquiries.find((candidate) => candidate.id === inquiryId);
      if (!inquiry) throw new Error(`No fake inquiry ${inquiryId}`);
      inquiry.status = status;
      if (failedChecks) inquiry.failedChecks = [...failedChecks];
      return inquiry;
    },

    async sendWebhook(targetUrl, event, opts = {}) {
      const inquiry = inquiries.find((candidate) => candidate.id === event.inquiryId);
      const eventId = event.eventId ?? "evt_" + randomBytes(12).toString("hex");
      const status = event.status ?? inquiry?.status ?? statusForEvent(event.name) ?? "pending";
      const requestBody = personaEventBody({
        eventId,
        name: event.name,
        createdAt: event.createdAt ?? new Date(),
        inquiryId: event.inquiryId,
        status,
        referenceId: inquiry?.referenceId ?? null,
      });
      const t = opts.t ?? Math.floor(Date.now() / 1000);
      const secret = opts.secret ?? webhookSecrets[0];
      if (!secret) throw new Error("The fake has no webhook secret to sign with");
      const pairs = [signature(requestBody, secret, t)];
      if (opts.rotatePair) {
        const second =
          opts.rotatePair === true
            ? { secret: webhookSecrets[1], t }
            : { secret: opts.rotatePair.secret, t: opts.rotatePair.t ?? t };
        if (!second.secret) throw new Error("rotatePair: true needs a second webhook secret");
        pairs.push(signature(requestBody, second.secret, second.t));
      }
      const signatureHeader = pairs.join(" ");
      const response = await fetch(targetUrl, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          "Persona-Signature": signatureHeader,
          "Persona-Webhook-Attempts-Made": "1",
        },
        body: requestBody,
      });
      return {
        url: targetUrl,
        eventId,
        requestBody,
        signatureHeader,
        status: response.status,
        body: await response.text(),
      };
    },

    signature,

    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The live identity adapter: Persona's REST API over fetch (no SDK; Persona has none for
 * Node servers).
 *
 * - `POST /api/v1/inquiries` (JSON:API body, `Authorization: Bearer <key>`, optional
 *   `Idempotency-Key`) and `GET /api/v1/inquiries/{id}`.
 * - One attempt per call: the job runner / the route owns retries; PartnerError.permanent
 *   says whether one is worth it (4xx permanent except 408/425/429; 5xx, network, timeout,
 *   abort transient).
 * - Every call is bounded by `timeoutMs` and the caller's AbortSignal.
 * - Facts marked *unconfirmed* live in one place each: `hostedFlowUrl`, `FRAUD_SIGNAL_BY_CHECK`.
 */
import { PartnerError, isPermanentHttpStatus } from "~/adapters/shared/errors";
import { PARTNER, abortedError, invalidResponse, isRecord, timeoutError } from "./internal";
import { confidenceFor, parseKycStatus } from "./status";
import { type IdentityAdapter, type KycResult } from "./types";
import { verifyPersonaWebhook } from "./webhook";

export type PersonaConfig = {
  /** API key (`persona_production_…` / `persona_sandbox_…`), sent as a Bearer token. */
  apiKey: string;
  /** The inquiry template (`itmpl_…`) that defines the flow. */
  templateId: string;
  /** Webhook secrets (`wbhsec_…`); two during a rotation. At least one. */
  webhookSecrets: readonly string[];
  /** API origin. Default https://api.withpersona.com (Persona's API reference: every endpoint is `https://api.withpersona.com/api/v1/…`). */
  baseUrl?: string;
  /** Hosted flow origin. Default https://inquiry.withpersona.com (*unconfirmed*, see hostedFlowUrl). */
  hostedBaseUrl?: string;
  /** Sent as `Persona-Version` when set (e.g. "2023-01-05"); otherwise the account's default applies. */
  apiVersion?: string;
  /** Per call, covering the response body too. Default 10 s. */
  timeoutMs?: number;
  /** Tests only. */
  fetch?: typeof fetch;
};

export const DEFAULT_BASE_URL = "https://api.withpersona.com";
export const DEFAULT_HOSTED_BASE_URL = "https://inquiry.withpersona.com";
export const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * Where to send the borrower for an inquiry created over the API: Persona's hosted flow,
 * resuming that inquiry, then back to `redirectUrl` with `?inquiry-id=…` (and
 * `reference-id=…`) appended by Persona.
 *
 * *Unconfirmed*: the exact format. Persona's docs show
 * `https://inquiry.withpersona.com/verify?inquiry-id=inq_…&redirect-uri=…` (older pages use
 * `withpersona.com/verify`); an inquiry that already has submitted verifications also needs
 * a `session-token` from `POST /api/v1/inquiries/{id}/resume`, which this adapter does not
 * fetch — a fresh inquiry has none, so create a new inquiry rather than resume an old one.
 */
export function hostedFlowUrl(
  hostedBaseUrl: string,
  inquiryId: string,
  redirectUrl: string,
): string {
  const url = new URL("/verify", hostedBaseUrl);
  url.searchParams.set("inquiry-id", inquiryId);
  url.searchParams.set("redirect-uri", redirectUrl);
  return url.toString();
}

/**
 * Persona check names (in a verification's `checks[]`, status "failed") → our fraud
 * signal vocabulary, shared with the sandbox. *Unconfirmed*: the check names, which depend
 * on the template's verification types. A failed check not listed here is passed through
 * under Persona's own name, so nothing is lost.
 */
export const FRAUD_SIGNAL_BY_CHECK: Readonly<Record<string, string>> = {
  id_tamper_detection: "document_tampered",
  id_digital_replica_detection: "document_tampered",
  id_fabrication_detection: "document_tampered",
  id_electronic_replica_detection: "document_tampered",
  selfie_id_comparison: "selfie_mismatch",
  selfie_liveness_detection: "selfie_liveness_failed",
  selfie_public_figure_detection: "selfie_public_figure",
  id_expired: "document_expired",
};

type JsonApiError = { title?: unknown; details?: unknown; detail?: unknown };

/** "Unauthorized: The API key is invalid" from `{ errors: [{ title, details }] }`, if any. */
function describeErrors(body: unknown): string | undefined {
  if (!isRecord(body) || !Array.isArray(body.errors)) return undefined;
  const parts = (body.errors as JsonApiError[])
    .map((error) => {
      if (!isRecord(error)) return "";
      const title = typeof error.title === "string" ? error.title : "";
      const details =
        typeof error.details === "string"
          ? error.details
          : typeof error.detail === "string"
            ? error.detail
            : "";
      return [title, details].filter(Boolean).join(": ");
    })
    .filter(Boolean);
  return parts.length > 0 ? parts.join("; ").slice(0, 500) : undefined;
}

/** The fraud signals of an inquiry document: the failed checks of its included verifications. */
export function fraudSignalsOf(document: Record<string, unknown>): string[] {
  const signals = new Set<string>();
  const included = Array.isArray(document.included) ? document.included : [];
  for (const item of included) {
    if (!isRecord(item) || typeof item.type !== "string") continue;
    if (!item.type.startsWith("verification/")) continue;
    const attributes = isRecord(item.attributes) ? item.attributes : {};
    const checks = Array.isArray(attributes.checks) ? attributes.checks : [];
    for (const check of checks) {
      if (!isRecord(check) || check.status !== "failed" || typeof check.name !== "string") continue;
      signals.add(FRAUD_SIGNAL_BY_CHECK[check.name] ?? check.name);
    }
  }
  return [...signals].sort();
}

/** `GET /api/v1/inquiries/{id}` document → KycResult. */
export function toKycResult(document: unknown, action = "getInquiry"): KycResult {
  const data = isRecord(document) ? document.data : undefined;
  if (!isRecord(data) || typeof data.id !== "string" || !data.id) {
    throw invalidResponse(action, "no data.id");
  }
  const attributes = isRecord(data.attributes) ? data.attributes : {};
  // A status this code does not know yet is treated as "still in progress": never as a pass.
  const status = parseKycStatus(attributes.status) ?? "pending";
  const referenceId = attributes["reference-id"];
  return {
    inquiryId: data.id,
    status,
    confidence: confidenceFor(status),
    fraudSignals: fraudSignalsOf(document as Record<string, unknown>),
    referenceId: typeof referenceId === "string" && referenceId ? referenceId : null,
  };
}

export function createPersona(config: PersonaConfig): IdentityAdapter {
  const { apiKey, templateId } = config;
  if (!apiKey) throw new Error("Persona apiKey is required");
  if (!templateId) throw new Error("Persona templateId is required");
  const webhookSecrets = config.webhookSecrets.filter((secret) => secret.length > 0);
  if (webhookSecrets.length === 0) throw new Error("Persona needs at least one webhook secret");
  const baseUrl = config.baseUrl ?? DEFAULT_BASE_URL;
  const hostedBaseUrl = config.hostedBaseUrl ?? DEFAULT_HOSTED_BASE_URL;
  const timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const fetchImpl = config.fetch ?? fetch;

  async function call(
    action: string,
    path: string,
    init: { method: "GET" | "POST"; body?: unknown; idempotencyKey?: string },
    callerSignal: AbortSignal | undefined,
  ): Promise<unknown> {
    if (callerSignal?.aborted) throw abortedError(callerSignal, action);
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = callerSignal ? AbortSignal.any([callerSignal, timeout]) : timeout;
    const failed = (error: unknown): never => {
      if (callerSignal?.aborted) throw abortedError(callerSignal, action);
      if (timeout.aborted) throw timeoutError(action, timeoutMs);
      // fetch's TypeError("fetch failed") carries the socket error as its cause; keep only its code.
      const cause = (error as { cause?: { code?: unknown } } | null)?.cause;
      const detail = typeof cause?.code === "string" ? ` (${cause.code})` : "";
      throw new PartnerError(`Persona could not be reached for ${action}${detail}`, {
        partner: PARTNER,
        code: "NETWORK",
        permanent: false,
      });
    };

    const headers: Record<string, string> = {
      Authorization: `Bearer ${apiKey}`,
      Accept: "application/json",
    };
    if (config.apiVersion) headers["Persona-Version"] = config.apiVersion;
    if (init.body !== undefined) headers["Content-Type"] = "application/json";
    if (init.idempotencyKey) headers["Idempotency-Key"] = init.idempotencyKey;

    let response: Response;
    let text: string;
    try {
      response = await fetchImpl(new URL(path, baseUrl), {
        method: init.method,
        headers,
        ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
        signal,
        redirect: "error",
      });
      text = await response.text();
    } catch (error) {
      return failed(error);
    }

    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!response.ok) {
      const described = describeErrors(json);
      throw new PartnerError(
        `Persona answered ${action} with HTTP ${response.status}${described ? `: ${described}` : ""}`,
        {
          partner: PARTNER,
          status: response.status,
          permanent: isPermanentHttpStatus(response.status),
        },
      );
    }
    if (json === undefined) throw invalidResponse(action, "not JSON");
    return json;
  }

  return {
    name: "persona",

    async createInquiry({ referenceId, redirectUrl, name, idempotencyKey, signal }) {
      const attributes: Record<string, unknown> = {
        "inquiry-template-id": templateId,
        "reference-id": referenceId,
        "redirect-uri": redirectUrl,
      };
      if (name) attributes.fields = { "name-first": name.first, "name-last": name.last };
      const document = await call(
        "createInquiry",
        "/api/v1/inquiries",
        {
          method: "POST",
          body: { data: { attributes } },
          ...(idempotencyKey ? { idempotencyKey } : {}),
        },
        signal,
      );
      const inquiry = toKycResult(document, "createInquiry");
      return {
        inquiryId: inquiry.inquiryId,
        hostedUrl: hostedFlowUrl(hostedBaseUrl, inquiry.inquiryId, redirectUrl),
      };
    },

    async getInquiry(inquiryId, signal) {
      if (!/^[A-Za-z0-9_-]+$/.test(inquiryId)) {
        throw new PartnerError("Not a Persona inquiry id", {
          partner: PARTNER,
          code: "INVALID_INQUIRY_ID",
          permanent: true,
        });
      }
      const document = await call(
        "getInquiry",
        // The verifications (whose failed checks are our fraud signals) are only reliably in
        // `included` when asked for: Persona's Retrieve an Inquiry takes `include`, a
        // comma-separated list of relationship paths (docs/partners/persona.md).
        `/api/v1/inquiries/${encodeURIComponent(inquiryId)}?include=verifications`,
        { method: "GET" },
        signal,
      );
      return toKycResult(document);
    },

    verifyWebhook(rawBody, signatureHeader, now) {
      return verifyPersonaWebhook(rawBody, signatureHeader, webhookSecrets, now);
    },
  };
}

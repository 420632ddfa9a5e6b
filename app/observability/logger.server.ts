import pino from "pino";
import { getRequestContext } from "./request-context.server";

/** Field names that carry PII or secrets, redacted wherever they appear (up to 4 levels deep). */
export const sensitiveKeys = [
  "ssn",
  "dob",
  "date_of_birth",
  "dateOfBirth",
  "account_number",
  "accountNumber",
  "routing_number",
  "access_token",
  "accessToken",
  "refresh_token",
  "refreshToken",
  "public_token",
  "token",
  "api_key",
  "apiKey",
  "password",
  "secret",
  "authorization",
  "cookie",
  "totp",
  "code",
];

function redactPaths(keys: string[], depth: number) {
  const paths: string[] = [];
  for (const key of keys) {
    let prefix = "";
    for (let level = 0; level < depth; level++) {
      paths.push(`${prefix}${key}`);
      prefix += "*.";
    }
  }
  return paths;
}

/** Builds the structured JSON logger; each line carries the request and trace id when there is one. */
export function createLogger(
  level = process.env.LOG_LEVEL ?? "info",
  destination?: pino.DestinationStream,
) {
  return pino(
    {
      level,
      base: { service: "flowpay" },
      timestamp: pino.stdTimeFunctions.isoTime,
      messageKey: "message",
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: redactPaths(sensitiveKeys, 4), censor: "[redacted]" },
      mixin() {
        const ctx = getRequestContext();
        return ctx ? { request_id: ctx.requestId, trace_id: ctx.traceId } : {};
      },
    },
    destination,
  );
}

const globalForLogger = globalThis as unknown as { __flowpayLogger?: pino.Logger };
export const logger: pino.Logger = (globalForLogger.__flowpayLogger ??= createLogger());

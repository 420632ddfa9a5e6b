import pino from "pino";
import { scrubSecretsInText } from "./redact-url";
import { getRequestContext } from "./request-context.server";
import { firstTimeInProcess, singleton } from "~/app/singleton.server";

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

/**
 * Every serialized line passes through scrubSecretsInText before it is written: whatever a
 * message or an error quotes, a borrower link's token or a credential in a URL's query
 * (`code=`, `state=`, `token=`…) never reaches the log (ADR 021).
 */
function scrubbing(destination: pino.DestinationStream): pino.DestinationStream {
  return { write: (line: string) => destination.write(scrubSecretsInText(line)) };
}

/**
 * The same net for everything else the process prints: console.* lines of libraries (the
 * router's "No routes matched location /apply/<token>/…" warning), remix-serve's own output.
 * Installed once, by boot.
 */
export function scrubProcessOutput() {
  if (!firstTimeInProcess("scrubbedOutput")) return;
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) =>
      write(
        typeof chunk === "string" ? scrubSecretsInText(chunk) : chunk,
        ...rest,
      )) as typeof stream.write;
  }
}

/** Builds the structured JSON logger; each line carries the request and trace id when there is one. */
export function createLogger(
  level = process.env.LOG_LEVEL ?? "info",
  destination: pino.DestinationStream = pino.destination({ dest: 1, sync: true }),
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
    scrubbing(destination),
  );
}

export const logger: pino.Logger = singleton<pino.Logger>("logger", () => createLogger());

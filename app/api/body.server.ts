import type { z } from "zod";
import { apiError, type ErrorDetail } from "./errors.server";

export const maxBodyBytes = 64 * 1024;

/** A failure that is already an API answer (thrown from deep inside and caught by the route wrapper). */
export class ApiFailure extends Error {
  constructor(readonly response: Response) {
    super(`API failure ${response.status}`);
    this.name = "ApiFailure";
  }
}

/** Reads at most `limit` bytes of the body; a larger body is refused (null) without reading the rest. */
export async function readCapped(request: Request, limit: number): Promise<Uint8Array | null> {
  const length = request.headers.get("content-length");
  const declared = Number(length ?? "0");
  if (declared > limit) return null;
  if (!request.body) return new Uint8Array();
  if (length !== null && /^\d+$/.test(length)) {
    // A declared length within the cap: the server's HTTP parser ends the body there, so it is
    // read at once (Deno reads it in one call; chunk by chunk was ≈1 % of an intake request).
    const bytes = new Uint8Array(await request.arrayBuffer());
    return bytes.byteLength > limit ? null : bytes;
  }
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/** Raw JSON body (as text) of an API request: JSON content type, at most 64 KiB, valid UTF-8 JSON. */
export async function readJsonBody(request: Request): Promise<{ raw: string; value: unknown }> {
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/(.+\+)?json\b/i.test(type)) {
    throw new ApiFailure(apiError("bad_request", "Content-Type must be application/json"));
  }
  const bytes = await readCapped(request, maxBodyBytes);
  if (bytes === null) throw new ApiFailure(apiError("bad_request", "Body is larger than 64 KiB"));
  let raw: string;
  try {
    raw = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new ApiFailure(apiError("bad_request", "Body is not valid UTF-8"));
  }
  try {
    return { raw, value: JSON.parse(raw) as unknown };
  } catch {
    throw new ApiFailure(apiError("bad_request", "Body is not valid JSON"));
  }
}

/** zod issues → docs/product/api.md's `details`, one entry per failing field. */
export function issueDetails(error: z.ZodError): ErrorDetail[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join(".") || "(body)",
    message:
      issue.code === "unrecognized_keys"
        ? `Unknown field(s): ${issue.keys.join(", ")}`
        : issue.message,
  }));
}

/** Parses a value with a schema or throws the 422 of docs/product/api.md listing every failing field. */
export function parseOr422<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const details = issueDetails(result.error);
  const first = details[0]!;
  throw new ApiFailure(
    apiError("validation_failed", `${first.path}: ${first.message}`, { details }),
  );
}

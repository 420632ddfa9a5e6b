import { createHash } from "node:crypto";
import { MaxPartSizeExceededError, unstable_parseMultipartFormData } from "@remix-run/node";
import { getCipher } from "~/app/security/encryption.server";
import { encryptionContext, type EncryptionContext } from "~/app/security/reencrypt.server";
import { checkUpload, maxUploadBytes, uploadErrors, type UploadCheck } from "./uploads";

/**
 * Reading a borrower's upload form (a plain multipart form: it works without JavaScript).
 *
 * The body is streamed through a bounded handler: the one file field (`document`) is read up to
 * 10 MB + 1 byte and refused past 10 MB without reading the rest into memory; text fields are
 * capped at 4 KB each and a form at 16 fields; any other file field is refused. A request that
 * announces a larger body than a file and its form could need is refused before it is read.
 */
const maxFieldBytes = 4 * 1024;
const maxFields = 16;
/** The file plus the multipart framing and the few small text fields of the form. */
export const maxUploadRequestBytes = maxUploadBytes + 64 * 1024;
export const uploadContext = encryptionContext("condition_uploads", "bytes_enc");

export class UploadRequestError extends Error {
  override name = "UploadRequestError";
  constructor(
    message: string,
    readonly status: 400 | 413 = 400,
  ) {
    super(message);
  }
}

export type ParsedUpload = { form: FormData; file: { name: string; bytes: Uint8Array } | null };

async function readBounded(data: AsyncIterable<Uint8Array>, limit: number, field: string) {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of data) {
    size += chunk.byteLength;
    if (size > limit) throw new MaxPartSizeExceededError(field, limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/**
 * Parses the upload form. Throws UploadRequestError (413 for a body or file over the limit) —
 * the caller turns a file over 10 MB into the form's error message.
 */
export async function parseUploadRequest(request: Request): Promise<ParsedUpload> {
  const declared = Number(request.headers.get("Content-Length") ?? "");
  if (Number.isFinite(declared) && declared > maxUploadRequestBytes) {
    throw new UploadRequestError(uploadErrors.tooLarge, 413);
  }
  let file: ParsedUpload["file"] = null;
  let fields = 0;
  try {
    const form = await unstable_parseMultipartFormData(request, async (part) => {
      fields += 1;
      if (fields > maxFields) throw new UploadRequestError("Too many form fields");
      if (typeof part.filename === "string") {
        if (part.name !== "document" || file) throw new UploadRequestError("Unexpected file field");
        const bytes = await readBounded(part.data, maxUploadBytes, part.name);
        file = { name: part.filename, bytes: new Uint8Array(bytes) };
        return undefined;
      }
      return (await readBounded(part.data, maxFieldBytes, part.name)).toString("utf8");
    });
    return { form, file };
  } catch (error) {
    if (error instanceof MaxPartSizeExceededError) {
      throw new UploadRequestError(uploadErrors.tooLarge, 413);
    }
    if (error instanceof UploadRequestError) throw error;
    if (error instanceof TypeError)
      throw new UploadRequestError("Send the form as multipart/form-data");
    throw error;
  }
}

export type PreparedUpload = {
  fileName: string;
  contentType: string;
  sizeBytes: number;
  sha256: string;
  bytesEnc: string;
};

/** Checks the file by content and size, and encrypts it for storage (ADR 004). */
export function prepareUpload(
  file: ParsedUpload["file"],
  // The column the bytes go to (its AAD): an information request's answer has its own (ADR 076).
  context: EncryptionContext = uploadContext,
): { ok: true; upload: PreparedUpload } | Extract<UploadCheck, { ok: false }> {
  if (!file) return { ok: false, error: uploadErrors.missing };
  const checked = checkUpload(file);
  if (!checked.ok) return checked;
  const buffer = Buffer.from(file.bytes.buffer, file.bytes.byteOffset, file.bytes.byteLength);
  return {
    ok: true,
    upload: {
      fileName: checked.fileName,
      contentType: checked.contentType,
      sizeBytes: buffer.byteLength,
      sha256: createHash("sha256").update(buffer).digest("hex"),
      bytesEnc: getCipher().encrypt(buffer.toString("base64"), context),
    },
  };
}

/** The stored file's bytes. */
export function decryptUpload(
  bytesEnc: string,
  context: EncryptionContext = uploadContext,
): Buffer {
  return Buffer.from(getCipher().decrypt(bytesEnc, context), "base64");
}

import type * as Zlib from "node:zlib";
import { customType } from "drizzle-orm/sqlite-core";
import { compress, decodeBytes } from "./compressed";

/**
 * A document's stored bytes (ADR 087). Three forms, told apart by their first bytes:
 *
 * - a PDF written before ADR 085 (`%PDF…`), as it is;
 * - ADR 085's marker `00 46 5A 01` + a brotli stream of the document alone;
 * - `00 46 5A 03` (format 3; 2 is compressed JSON, ADR 088) + the TAIL of a brotli stream whose
 *   head — the stream of a sample document, flushed — is a shared, content-addressed row of `document_dictionaries`
 *   (`documents.dictionary_id`). Decoding head + tail gives sample + document; the sample's
 *   length is cut off. Brotli reaches back into the sample for every run the document shares with
 *   it (boilerplate, layout, fonts), so the tail holds little more than what is the borrower's.
 *
 * It is a plain brotli stream, not a custom dictionary (which node:zlib on Node 20 and on Deno
 * lack): any brotli decoder reads head + tail. The bytes the encoder wrote for the sample before
 * the flush cannot depend on the document written after it, so one head serves every document
 * encoded against it; each write still checks its own round trip, and references the head by the
 * SHA-256 of the bytes it actually produced, so an encoder that ever writes another head gets
 * another row, never a wrong one.
 *
 * The column's TypeScript value is a `StoredDocument`, not bytes, on purpose: only
 * app/storage/documents.server.ts turns it into the document (with the dictionary row and the
 * SHA-256 check); a reader cannot send the stored form by mistake.
 */

let loaded: typeof Zlib | undefined;
const zlib = () => (loaded ??= process.getBuiltinModule("node:zlib") as typeof Zlib);

export const dictionaryMarker = Uint8Array.of(0x00, 0x46, 0x5a, 0x03);

/** The stored form of a document, as read from or written to `documents.bytes`. */
export class StoredDocument {
  constructor(readonly stored: Buffer) {}
}

/** The dictionary a document was encoded against: its row's values. */
export type DocumentDictionary = { sha256: string; prefixLength: number; head: Buffer };

/** The driver gives a BLOB as an ArrayBuffer (@libsql/client) or a Buffer (libsql, native). */
function asBuffer(stored: ArrayBuffer | Uint8Array): Buffer {
  return stored instanceof ArrayBuffer
    ? Buffer.from(stored)
    : Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength);
}

export const storedDocument = (name: string) =>
  customType<{ data: StoredDocument; driverData: Buffer }>({
    dataType: () => "blob",
    toDriver: (value) => value.stored,
    fromDriver: (stored) => new StoredDocument(asBuffer(stored as unknown as ArrayBuffer)),
  })(name);

function hasDictionaryMarker(stored: Uint8Array) {
  return (
    stored.length >= dictionaryMarker.length &&
    dictionaryMarker.every((byte, i) => stored[i] === byte)
  );
}

/** True when the stored form needs its dictionary's head to be read. */
export function needsDictionary(stored: StoredDocument) {
  return hasDictionaryMarker(stored.stored);
}

/**
 * The document a stored form holds. `dictionary` must be the row `documents.dictionary_id` names
 * when the form needs one; the caller checks the SHA-256.
 */
export function decodeDocument(
  stored: StoredDocument,
  dictionary: Pick<DocumentDictionary, "head" | "prefixLength"> | null,
): Buffer {
  if (!hasDictionaryMarker(stored.stored)) return decodeBytes(stored.stored);
  if (!dictionary) throw new Error("document: stored against a dictionary that was not given");
  const tail = stored.stored.subarray(dictionaryMarker.length);
  const whole = zlib().brotliDecompressSync(Buffer.concat([dictionary.head, tail]));
  return whole.subarray(dictionary.prefixLength);
}

/** The ADR 085 form (no dictionary): what is written when no sample is available. */
export function encodeAlone(bytes: Uint8Array): StoredDocument {
  return new StoredDocument(compress(bytes));
}

const quality = 6;

/**
 * `bytes` encoded against `sample`: one brotli stream of sample + bytes, flushed after the sample.
 * Checked: head + tail must decode to sample + bytes.
 */
export async function encodeWithDictionary(
  bytes: Uint8Array,
  sample: Uint8Array,
  sha256Hex: (bytes: Uint8Array) => string,
): Promise<{ stored: StoredDocument; dictionary: DocumentDictionary }> {
  const { createBrotliCompress, constants } = zlib();
  const encoder = createBrotliCompress({
    params: {
      [constants.BROTLI_PARAM_QUALITY]: quality,
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_GENERIC,
    },
  });
  const parts: Buffer[] = [];
  encoder.on("data", (part: Buffer) => parts.push(part));
  const ended = new Promise<void>((resolve, reject) => {
    encoder.on("end", resolve);
    encoder.on("error", reject);
  });
  encoder.write(sample);
  await new Promise<void>((resolve) => encoder.flush(constants.BROTLI_OPERATION_FLUSH, resolve));
  const head = Buffer.concat(parts);
  encoder.end(bytes);
  await ended;
  const tail = Buffer.concat(parts).subarray(head.length);
  const dictionary = { sha256: sha256Hex(head), prefixLength: sample.length, head };
  const stored = new StoredDocument(Buffer.concat([dictionaryMarker, tail]));
  if (!decodeDocument(stored, dictionary).equals(bytes)) {
    throw new Error("document: dictionary round trip");
  }
  return { stored, dictionary };
}

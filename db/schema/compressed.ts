import type * as Zlib from "node:zlib";
import { customType } from "drizzle-orm/sqlite-core";

/**
 * Large values stored compressed, in their own column, in the same INSERT that writes them
 * (ADR 085): decision snapshots (JSON, ≈15 KB) and documents (PDFs). This module is the one place
 * that encodes and decodes them; the drizzle columns below use it, so every reader through the
 * query builder gets the original value, and raw SQL readers call `decodeText`/`decodeBytes`.
 *
 * Format: the 4-byte marker `00 46 5A 01` ("\0FZ", format 1 = brotli) then the brotli stream, as
 * a BLOB. A row written before (a TEXT JSON document, or a BLOB PDF beginning `%PDF`) has no
 * marker — neither JSON text nor a PDF can begin with a NUL byte — and reads as it is. Brotli, not
 * zstd: node:zlib has zstd only from Node 22.15 and the server runs on Node 20 and on Deno, whose
 * node:zlib has brotli too. Lossless: the decoded bytes are the bytes written, so SHA-256 of a
 * document and the replay's byte-for-byte comparison of a snapshot hold on what is read back.
 */
/**
 * node:zlib, loaded on first use rather than imported: the schema is reached from browser bundles
 * too (shared enums), which must not pull in a Node builtin; only the server ever encodes.
 */
let loaded: typeof Zlib | undefined;
const zlib = () => (loaded ??= process.getBuiltinModule("node:zlib") as typeof Zlib);

export const compressedMarker = Uint8Array.of(0x00, 0x46, 0x5a, 0x01);

/** The marker as SQLite sees it (`substr(column, 1, 4) = X'00465A01'`), for partial indexes. */
export const compressedMarkerHex = "00465A01";

/**
 * Quality 9 of 11: ≈3 ms for a 15 KB snapshot on this machine with nearly all of quality 11's
 * gain (ADR 085 has the table); decoding costs the same at any quality.
 */
const quality = 6;

export function isCompressed(stored: Uint8Array): boolean {
  return (
    stored.length >= compressedMarker.length &&
    compressedMarker.every((byte, i) => stored[i] === byte)
  );
}

/** The stored form of `bytes`: marker + brotli (text mode for JSON, generic for documents). */
export function compress(bytes: Uint8Array, kind: "text" | "generic" = "generic"): Buffer {
  const { brotliCompressSync, constants } = zlib();
  const body = brotliCompressSync(bytes, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: quality,
      [constants.BROTLI_PARAM_MODE]:
        kind === "text" ? constants.BROTLI_MODE_TEXT : constants.BROTLI_MODE_GENERIC,
      [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
    },
  });
  return Buffer.concat([compressedMarker, body]);
}

/** The driver gives a BLOB as an ArrayBuffer (@libsql/client) or a Buffer (libsql, native). */
function asBuffer(stored: ArrayBuffer | Uint8Array): Buffer {
  return stored instanceof ArrayBuffer
    ? Buffer.from(stored)
    : Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength);
}

/** The original bytes of a stored BLOB, compressed or written before compression existed. */
export function decodeBytes(stored: ArrayBuffer | Uint8Array): Buffer {
  const buffer = asBuffer(stored);
  return isCompressed(buffer)
    ? zlib().brotliDecompressSync(buffer.subarray(compressedMarker.length))
    : buffer;
}

/** The original text of a stored JSON value: TEXT as written before, or a compressed BLOB. */
export function decodeText(stored: string | ArrayBuffer | Uint8Array): string {
  return typeof stored === "string" ? stored : decodeBytes(stored).toString("utf8");
}

/** JSON.stringify(value), compressed: the form a compressed JSON column stores. */
export function encodeJson(value: unknown): Buffer {
  return compress(Buffer.from(JSON.stringify(value), "utf8"), "text");
}

/**
 * A JSON column stored compressed. Declared `text` as before (SQLite keeps a BLOB in a TEXT
 * column as a BLOB), so the schema does not change and old TEXT rows stay where they are.
 */
export const compressedJson = <T>(name: string) =>
  customType<{ data: T; driverData: Buffer | string }>({
    dataType: () => "text",
    toDriver: (value) => encodeJson(value),
    fromDriver: (stored) => JSON.parse(decodeText(stored as string | ArrayBuffer)) as T,
  })(name);

/** A BLOB column (a document's bytes) stored compressed; reads give the original bytes. */
export const compressedBlob = (name: string) =>
  customType<{ data: Buffer; driverData: Buffer }>({
    dataType: () => "blob",
    toDriver: (bytes) => compress(bytes),
    fromDriver: (stored) => decodeBytes(stored as unknown as ArrayBuffer | Uint8Array),
  })(name);

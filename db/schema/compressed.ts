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

/**
 * Format 2, compressed JSON (ADR 088): the marker `00 46 5A 02` and the brotli stream of the JSON
 * text made smaller by two lossless, frozen transforms — arrays of flat integer records (payment
 * schedules) stored column by column as second differences, and the recurring text of
 * ./compressed-dictionary.ts replaced by two-character tokens. Written only when decoding it gives
 * back the very text (checked on every write, `encodeJsonText`); otherwise format 1.
 */
export const compressedJsonMarker = Uint8Array.of(0x00, 0x46, 0x5a, 0x02);

/* Format 3 (`00 46 5A 03`) is a document stored against a dictionary: ./document-bytes.ts (ADR 087). */

function hasMarker(stored: Uint8Array, marker: Uint8Array): boolean {
  return stored.length >= marker.length && marker.every((byte, i) => stored[i] === byte);
}

/** A value in a compressed format (1, brotli; or 2, compressed JSON). */
export function isCompressed(stored: Uint8Array): boolean {
  return hasMarker(stored, compressedMarker) || hasMarker(stored, compressedJsonMarker);
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
  if (hasMarker(buffer, compressedJsonMarker)) return Buffer.from(decodeJsonFormat(buffer), "utf8");
  return hasMarker(buffer, compressedMarker)
    ? zlib().brotliDecompressSync(buffer.subarray(compressedMarker.length))
    : buffer;
}

/** The original text of a stored JSON value: TEXT as written before, or a compressed BLOB. */
export function decodeText(stored: string | ArrayBuffer | Uint8Array): string {
  return typeof stored === "string" ? stored : decodeBytes(stored).toString("utf8");
}

/** JSON.stringify(value), compressed: the form a compressed JSON column stores. */
export function encodeJson(value: unknown): Buffer {
  return encodeJsonText(JSON.stringify(value));
}

/**
 * The stored form of a JSON text: format 2 when it decodes back to exactly `text` (it does for
 * anything JSON.stringify wrote), else format 1 — never a value that would not read back.
 */
export function encodeJsonText(text: string): Buffer {
  let transformed: string | null = null;
  try {
    transformed = tokenize(JSON.stringify(toColumns(JSON.parse(text))));
  } catch {
    // Not JSON: format 1 keeps it as it is.
  }
  if (transformed !== null) {
    const stored = Buffer.concat([
      compressedJsonMarker,
      compress(Buffer.from(transformed, "utf8"), "text").subarray(compressedMarker.length),
    ]);
    if (decodeJsonFormat(stored) === text) return stored;
  }
  return compress(Buffer.from(text, "utf8"), "text");
}

/** The value of a format 2 JSON column: JSON.parse of its text, without building the text. */
function decodeJsonValue(stored: Buffer): unknown {
  const body = zlib()
    .brotliDecompressSync(stored.subarray(compressedJsonMarker.length))
    .toString("utf8");
  return fromColumns(JSON.parse(untokenize(body)));
}

function decodeJsonFormat(stored: Buffer): string {
  return JSON.stringify(decodeJsonValue(stored));
}

/**
 * The value a stored JSON column holds, whatever its format. Format 2 is parsed from its short
 * transformed text, not from the full text rebuilt (every format 2 value was checked on writing
 * to stringify back to exactly its text, so both parse to the same value).
 */
export function decodeJson(stored: string | ArrayBuffer | Uint8Array): unknown {
  if (typeof stored !== "string") {
    const buffer = asBuffer(stored);
    if (hasMarker(buffer, compressedJsonMarker)) return decodeJsonValue(buffer);
  }
  return JSON.parse(decodeText(stored));
}

// -- Format 2's transforms. Frozen: rows written with them are decoded by them forever. ---------

/** The key that marks an array of records stored by columns (a NUL cannot begin a real key). */
const columnsKey = "\u0000c";

function isIntegerRecordArray(value: unknown[]): value is Record<string, number>[] {
  if (value.length < 4) return false;
  const first = value[0];
  if (typeof first !== "object" || first === null || Array.isArray(first)) return false;
  const keys = Object.keys(first);
  return value.every((item) => {
    if (typeof item !== "object" || item === null || Array.isArray(item)) return false;
    const itemKeys = Object.keys(item);
    return (
      itemKeys.length === keys.length &&
      itemKeys.every((key, i) => key === keys[i]) &&
      itemKeys.every((key) => Number.isSafeInteger((item as Record<string, unknown>)[key]))
    );
  });
}

/**
 * Arrays of ≥ 4 records whose values are all integers (a payment schedule: number, payment,
 * interest, principal, balance) become `{"\0c": keys, "d": second differences by column}`:
 * a schedule's columns are constant or change evenly, so their second differences are mostly 0
 * and brotli stores them in a few bytes.
 */
function toColumns(value: unknown): unknown {
  if (Array.isArray(value)) {
    if (!isIntegerRecordArray(value)) return value.map(toColumns);
    const keys = Object.keys(value[0]!);
    const d: number[] = [];
    for (const key of keys) {
      let previous = 0;
      let step = 0;
      for (const record of value) {
        const next = record[key]! - previous;
        d.push(next - step);
        step = next;
        previous = record[key]!;
      }
    }
    return { [columnsKey]: keys, d };
  }
  if (typeof value === "object" && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toColumns(v)]));
  return value;
}

function fromColumns(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromColumns);
  if (typeof value !== "object" || value === null) return value;
  const object = value as Record<string, unknown>;
  const keys = object[columnsKey];
  if (Array.isArray(keys) && Object.keys(object).length === 2 && Array.isArray(object.d)) {
    const d = object.d as number[];
    const rows = d.length / keys.length;
    const records = Array.from({ length: rows }, () => ({}) as Record<string, number>);
    keys.forEach((key: string, column) => {
      let previous = 0;
      let step = 0;
      for (let row = 0; row < rows; row++) {
        step += d[column * rows + row]!;
        previous += step;
        records[row]![key] = previous;
      }
    });
    return records;
  }
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, fromColumns(v)]));
}

/**
 * The frozen dictionary of the compressed JSON format 2 (ADR 088): text that
 * recurs in every decision snapshot, offer schedule and Truth-in-Lending box (JSON keys with their
 * quotes and colon, the disclosure sentences, reason codes, rule fields, bureau factor texts).
 * Entry i stands in the stored text for the two characters \x01|\x02 and one printable ASCII
 * character. NEVER edit, reorder or remove an entry: rows written with format 2 are decoded with
 * this very list forever. A different list is a new format number with its own marker. Kept in
 * this file: Deno runs this module by itself (db/compressed.test.ts), without a bundler.
 */
const jsonDictionaryV1: readonly string[] = [
  '"If you pay off early, you will not have to pay a penalty, and you will not be entitled to a refund of the prepaid finance charge (the origination fee)."',
  '"Proportion of balances to credit limits on revolving accounts is too high"',
  '"If a payment is more than 15 days late, you will be charged $15.00."',
  '"Length of time revolving accounts have been established"',
  '"Monthly, beginning 1 month after the loan date"',
  '"Length of time accounts have been established"',
  '"application.monthlyIncomeCents"',
  '"No recent revolving balances"',
  '"amountPaidToMerchantCents":',
  '"amountPaidToBorrowerCents":',
  '"prepaidFinanceChargeCents":',
  ' months after the loan date"',
  '"monthlyDebtPaymentsCents":',
  '"credit_score_below_floor"',
  '"above_payment_to_income"',
  '"ratios.debtToIncomePct"',
  '"inquiriesLast6Months":',
  '"credit.tradelineCount"',
  '"totalOfPaymentsCents":',
  '"annualPercentageRate":',
  '"monthlyPaymentCents":',
  '"averageBalanceCents":',
  '"minimumBalanceCents":',
  '"incomeDepositMonths":',
  '"credit.publicRecords"',
  '"kyc.fraudSignalCount"',
  '"originationFeeCents":',
  '"amountFinancedCents":',
  '"monthlyIncomeCents":',
  '"openTradelineCount":',
  '"credit_score_review"',
  '"high_debt_to_income"',
  '"originationFeeRate":',
  '"financeChargeCents":',
  '"firstPaymentNumber":',
  '"credit_score_floor"',
  '"income_below_floor"',
  '"disbursementCents":',
  '"housingCostCents":',
  '"creditLimitCents":',
  '"fraudSignalCount":',
  '"kyc_fraud_signals"',
  '"lastPaymentCents":',
  '"merchantFeeCents":',
  '"snapshotVersion":',
  '"VantageScore 4.0"',
  '"delinquencies30":',
  '"delinquencies60":',
  '"delinquencies90":',
  '"debtToIncomePct":',
  '"low_credit_score"',
  '"kyc_needs_review"',
  '"kyc_not_verified"',
  '"paymentSchedule":',
  '"excludedBecause":',
  '"merchantFeeBps":',
  '"minAmountCents":',
  '"maxAmountCents":',
  '"subscriberName":',
  '"overdraftCount":',
  '"monthsObserved":',
  '"tradelineCount":',
  '"no_credit_score"',
  '"credit.hasScore"',
  '"declineReasons":',
  '"principalCents":',
  '"engineVersion":',
  '"applicationId":',
  '"publicRecords":',
  '"kycConfidence":',
  '"missing_income"',
  '"reviewReasons":',
  '"interestCents":',
  '"adverseAction":',
  '"scoreFactors":',
  '"balanceCents":',
  '"pastDueCents":',
  '"fraudSignals":',
  '"incomeFactor":',
  '"manual_review"',
  '"paymentCents":',
  '"manualReview":',
  '"application":',
  '"amountCents":',
  '"pricingPlan":',
  '"description":',
  '"accountType":',
  '"creditScore":',
  '"ruleResults":',
  '"credit.score"',
  '"income_floor"',
  '"needs_review"',
  '"no_bank_data"',
  '"itemization":',
  '"reportDate":',
  '"scoreModel":',
  '"scoreRange":',
  '"tradelines":',
  '"installment"',
  '"confidence":',
  '"bankHealth":',
  '"components":',
  '"reasonCode":',
  '"kyc_missing"',
  '"dti_ceiling"',
  '"bank.linked"',
  '"termMonths":',
  '"disclosure":',
  '"lateCharge":',
  '"prepayment":',
  '"considered":',
  '"inquiries":',
  '"unrounded":',
  '"available":',
  '"bankruptcy"',
  '"kyc.status"',
  '"approvals":',
  '"graceDays":',
  '"merchant":',
  '"pulledAt":',
  '"openedOn":',
  '"revolving"',
  '"nsfCount":',
  '"hasScore":',
  '"operator":',
  '"thin_file"',
  '"noteRate":',
  '"feeCents":',
  '"schedule":',
  '"ruleSet":',
  '"version":',
  '"pricing":',
  '"standard"',
  '"experian"',
  '"approved"',
  '"balance":',
  '"cushion":',
  '"conduct":',
  '"includes"',
  '"declined"',
  '"penalty":',
  '"offered":',
  '"inputs":',
  '"credit":',
  '"status":',
  '"report":',
  '"bureau":',
  '"result":',
  '"income":',
  '"linked":',
  '"ratios":',
  '"actual":',
  '"action":',
  '"decline"',
  '"created"',
  '"pending"',
  '"expired"',
  '"offers":',
  '"number":',
  '"score":',
  '"total":',
  '"value":',
  '"parts":',
  '"facts":',
  '"field":',
  '"fired":',
  '"failed"',
  '"exists"',
  '"count":',
  '"rank":',
  '"code":',
  '"open":',
  '"kind":',
  '"date":',
  '"bank":',
  '"tier":',
  '"when":',
  '"text":',
  '"min":',
  '"max":',
  '"kyc":',
  '"key":',
  '"apr":',
];

/**
 * Dictionary entry i ↔ the token `\x01` or `\x02` and one printable character. JSON.stringify
 * escapes every character below U+0020, so a token never occurs in the text it replaces into.
 */
const tokens = jsonDictionaryV1.map(
  (_, i) => String.fromCharCode(1 + Math.floor(i / 95)) + String.fromCharCode(32 + (i % 95)),
);
const entryIndex = new Map(jsonDictionaryV1.map((entry, i) => [entry, i]));
// Longest first, so an entry never cuts a longer one that contains it.
const entryPattern = new RegExp(
  [...jsonDictionaryV1]
    .sort((a, b) => b.length - a.length)
    .map((entry) => entry.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join("|"),
  "g",
);

function tokenize(text: string): string {
  // Tokens are control characters on purpose (see above).
  // eslint-disable-next-line no-control-regex
  if (/[\x01\x02]/.test(text)) throw new Error("text holds a token character");
  return text.replace(entryPattern, (entry) => tokens[entryIndex.get(entry)!]!);
}

function untokenize(text: string): string {
  return text.replace(
    // eslint-disable-next-line no-control-regex
    /[\x01\x02][\x20-\x7e]/g,
    (token) => jsonDictionaryV1[(token.charCodeAt(0) - 1) * 95 + token.charCodeAt(1) - 32]!,
  );
}

/**
 * A JSON column stored compressed. Declared `text` as before (SQLite keeps a BLOB in a TEXT
 * column as a BLOB), so the schema does not change and old TEXT rows stay where they are.
 */
export const compressedJson = <T>(name: string) =>
  customType<{ data: T; driverData: Buffer | string }>({
    dataType: () => "text",
    toDriver: (value) => encodeJson(value),
    fromDriver: (stored) => decodeJson(stored as string | ArrayBuffer) as T,
  })(name);

/** A BLOB column (a document's bytes) stored compressed; reads give the original bytes. */
export const compressedBlob = (name: string) =>
  customType<{ data: Buffer; driverData: Buffer }>({
    dataType: () => "blob",
    toDriver: (bytes) => compress(bytes),
    fromDriver: (stored) => decodeBytes(stored as unknown as ArrayBuffer | Uint8Array),
  })(name);

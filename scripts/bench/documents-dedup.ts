/**
 * Measures how many bytes a new signed agreement and H-3 notice add to storage after N earlier
 * borrowers, for the storage options of ADR 087: single brotli blob vs content-defined chunks
 * (shared by SHA-256), renderer with or without deflated content streams.
 *
 *   npx tsx scripts/bench/documents-dedup.ts [--borrowers 200]
 */
import { createHash } from "node:crypto";
import { brotliCompressSync, constants } from "node:zlib";
import { renderAgreementPdf, renderNoticePdf } from "~/app/borrower/agreement-pdf.server";
import { buildAgreement } from "~/app/borrower/agreement";
import { agreementInput } from "~/app/borrower/pdf-fixtures";
import { buildScoreNotice, type ScoreNotice } from "~/app/decisioning/score-notice";
import type { CreditInput } from "~/app/decisioning/inputs";
import { sandboxCreditor } from "~/app/lending/creditors";
import { scoreNoticePdfOptions } from "~/app/decisioning/score-notice.server";
import { encodeDocument } from "~/app/storage/documents.server";

type ChunkSizes = { min: number; avg: number; max: number };

/** 256 fixed pseudo-random 32-bit values (xorshift32 from a constant seed), for the gear hash. */
const gear = (() => {
  const table = new Uint32Array(256);
  let x = 0x9e3779b9;
  for (let i = 0; i < 256; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    table[i] = x >>> 0;
  }
  return table;
})();

/**
 * Content-defined chunks (a gear rolling hash; a cut where its top bits are zero): a run of bytes
 * two documents share is cut at the same places in both wherever it sits.
 */
function splitIntoChunks(
  bytes: Uint8Array,
  sizes: ChunkSizes = { min: 256, avg: 1024, max: 8192 },
): Uint8Array[] {
  const bits = Math.max(1, Math.round(Math.log2(Math.max(2, sizes.avg - sizes.min))));
  const mask = (~0 << (32 - bits)) >>> 0;
  const chunks: Uint8Array[] = [];
  let start = 0;
  let hash = 0;
  for (let i = 0; i < bytes.length; i++) {
    hash = ((hash << 1) + gear[bytes[i]!]!) >>> 0;
    const size = i + 1 - start;
    if ((size >= sizes.min && (hash & mask) === 0) || size >= sizes.max) {
      chunks.push(bytes.subarray(start, i + 1));
      start = i + 1;
      hash = 0;
    }
  }
  if (start < bytes.length) chunks.push(bytes.subarray(start));
  return chunks;
}

const argv = process.argv.slice(2);
const borrowers = Number(argv[argv.indexOf("--borrowers") + 1] || 200);

let seed = 7;
const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)]!;
const firstNames = ["Alex", "Maria", "Jonathan", "Li", "Priya", "Christopher", "Ana", "Bob"];
const lastNames = ["Rivera", "Nguyen", "Smith-Johnson", "O'Brien", "Kowalski", "Lee", "Garcia"];
const streets = ["12 Elm Street", "4410 North Lincoln Avenue Apt 3B", "9 Oak Ct", "700 Main St"];
const cities = ["Springfield, IL 62701", "Austin, TX 78701", "Portland, OR 97201"];
const merchants = ["Acme Pest Control", "Bright Smile Dental", "Cool Air HVAC Services"];
const factorsPool = [
  "Proportion of balances to credit limits on bank/national revolving or other revolving accounts is too high",
  "Length of time accounts have been established",
  "Too many accounts with balances",
  "Number of accounts with delinquency",
  "Time since delinquency is too recent or unknown",
  "Too few accounts currently paid as agreed",
];
const agents = [
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
  "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36",
];

function id() {
  return `app_${Array.from({ length: 26 }, () => pick([..."0123456789ABCDEFGHJKMNPQRSTVWXYZ"])).join("")}`;
}

async function borrower() {
  const name = `${pick(firstNames)} ${pick(lastNames)}`;
  const applicationId = id();
  const loanDate = new Date(
    Date.UTC(2026, Math.floor(random() * 12), 1 + Math.floor(random() * 28), 15),
  );
  const input = agreementInput(
    {
      amountCents: 100_000 + Math.floor(random() * 2_400_000),
      noteRate: pick(["0", "9.99", "14.99", "19.99", "24.99"]),
      feeRate: pick([undefined, "3", "5"]),
      termMonths: pick([12, 24, 36, 48, 60]),
    },
    {
      applicationId,
      loanDate,
      borrower: { fullName: name, addressLines: [pick(streets), pick(cities)] },
      merchant: { name: pick(merchants) },
    },
  );
  const agreement = await renderAgreementPdf(buildAgreement(input), {
    fullName: name,
    signedAt: new Date(loanDate.getTime() + Math.floor(random() * 3_600_000)),
    ip: `203.0.113.${Math.floor(random() * 255)}`,
    userAgent: pick(agents),
  });
  const factors = factorsPool.slice(Math.floor(random() * 3), 3 + Math.floor(random() * 4));
  const credit = {
    status: "ok",
    report: {
      bureau: "experian",
      pulledAt: loanDate.toISOString(),
      reportDate: loanDate.toISOString().slice(0, 10),
      score: 580 + Math.floor(random() * 250),
      scoreModel: "FICO 8",
      scoreRange: { min: 300, max: 850 },
      scoreFactors: factors.map((description, i) => ({ code: `F${i}`, description })),
      tradelines: [],
      publicRecords: [],
      inquiries: [],
    },
  } as unknown as CreditInput;
  const notice = buildScoreNotice({ applicantName: name, credit, creditor: sandboxCreditor });
  const noticePdf = await renderNoticePdf(notice as ScoreNotice, loanDate, scoreNoticePdfOptions);
  return [agreement, noticePdf];
}

const brotli = (bytes: Uint8Array) =>
  brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 6 } }).length + 4;
const sha = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

const docs: Uint8Array[][] = [];
for (let i = 0; i < borrowers; i++) docs.push(await borrower());

const last = Math.max(1, Math.floor(borrowers / 2));
const report: Record<string, unknown> = {
  borrowers,
  rawAgreement: docs.at(-1)![0]!.length,
  rawNotice: docs.at(-1)![1]!.length,
  blobAgreement: Math.round(docs.slice(-last).reduce((s, d) => s + brotli(d[0]!), 0) / last),
  blobNotice: Math.round(docs.slice(-last).reduce((s, d) => s + brotli(d[1]!), 0) / last),
  blobPerBorrower: Math.round(
    docs.slice(-last).reduce((s, d) => s + brotli(d[0]!) + brotli(d[1]!), 0) / last,
  ),
};
for (const [min, avg, max] of [
  [256, 1024, 8192],
  [512, 2048, 16384],
  [1024, 4096, 32768],
] as const) {
  const seen = new Set<string>();
  let added = 0;
  let chunks = 0;
  docs.forEach((d, index) => {
    for (const bytes of d) {
      for (const chunk of splitIntoChunks(bytes, { min, avg, max })) {
        const key = sha(chunk);
        if (index >= borrowers - last) {
          added += 3; // its row id in the document's list (a varint)
          chunks++;
        }
        if (seen.has(key)) continue;
        seen.add(key);
        if (index >= borrowers - last) added += brotli(chunk) + 80; // + row, hash, index
      }
    }
  });
  report[`cdc ${avg}`] = { perBorrower: Math.round(added / last), refs: chunks / last };
  // Packed: a document's new chunks compressed together in its own row, indexed by SHA-256.
  const known = new Set<string>();
  let packed = 0;
  docs.forEach((d, index) => {
    for (const bytes of d) {
      const fresh: Uint8Array[] = [];
      for (const chunk of splitIntoChunks(bytes, { min, avg, max })) {
        const key = sha(chunk);
        if (index >= borrowers - last) packed += 3;
        if (known.has(key)) continue;
        known.add(key);
        fresh.push(chunk);
        if (index >= borrowers - last) packed += 48;
      }
      if (index >= borrowers - last && fresh.length) packed += brotli(Buffer.concat(fresh));
    }
  });
  report[`packed ${avg}`] = Math.round(packed / last);
}
console.log(JSON.stringify(report, null, 2));
if (argv.includes("--explain")) {
  const seen = new Set<string>();
  docs
    .slice(0, -1)
    .forEach((d) => d.forEach((b) => splitIntoChunks(b).forEach((c) => seen.add(sha(c)))));
  for (const bytes of docs.at(-1)!) {
    let offset = 0;
    for (const c of splitIntoChunks(bytes)) {
      if (!seen.has(sha(c)))
        console.log(
          offset,
          c.length,
          brotli(c),
          JSON.stringify(Buffer.from(c).toString("latin1").slice(0, 160)),
        );
      offset += c.length;
    }
    console.log("---");
  }
}

/**
 * A brotli stream that starts with `prefix`, flushed: what it writes for `prefix` cannot depend
 * on what follows, so the stream for `prefix + bytes` is that common head + a tail of its own.
 */
async function withPrefix(prefix: Uint8Array, bytes: Uint8Array, quality: number) {
  const { createBrotliCompress } = await import("node:zlib");
  const encoder = createBrotliCompress({ params: { [constants.BROTLI_PARAM_QUALITY]: quality } });
  const parts: Buffer[] = [];
  encoder.on("data", (part: Buffer) => parts.push(part));
  encoder.write(prefix);
  await new Promise<void>((resolve) =>
    encoder.flush(constants.BROTLI_OPERATION_FLUSH, () => resolve()),
  );
  const head = Buffer.concat(parts).length;
  await new Promise<void>((resolve) => encoder.end(bytes, () => resolve()));
  await new Promise((resolve) => encoder.on("end", resolve));
  return Buffer.concat(parts).length - head;
}
const template = Buffer.concat(docs[0]!);
for (const quality of [6, 9, 11]) {
  let tails = 0;
  for (const d of docs.slice(-last))
    for (const bytes of d) tails += (await withPrefix(template, bytes, quality)) + 40;
  console.log(`prefix q${quality}`, Math.round(tails / last));
}

// As the app stores them now (ADR 087): each document's tail against the shared sample.
let agreementTails = 0;
let noticeTails = 0;
for (const d of docs.slice(-last)) {
  agreementTails += (await encodeDocument(d[0]!)).stored.stored.length;
  noticeTails += (await encodeDocument(d[1]!)).stored.stored.length;
}
console.log(
  "stored (ADR 087)",
  JSON.stringify({
    agreement: Math.round(agreementTails / last),
    notice: Math.round(noticeTails / last),
    dictionaryHead: (await encodeDocument(docs[0]![0]!)).dictionary?.head.length,
  }),
);

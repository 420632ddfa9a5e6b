/**
 * The stored format of compressed columns (ADR 085): what is written reads back byte for byte,
 * rows written before compression read as they are, and the same module works on Deno (the
 * server also runs there, ADR 045) — Deno decodes what Node wrote and the other way round.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import {
  compress,
  compressedJsonMarker,
  compressedMarker,
  decodeBytes,
  decodeJson,
  decodeText,
  encodeJson,
  encodeJsonText,
  isCompressed,
} from "~/db/schema/compressed";

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const snapshot = {
  snapshotVersion: 1,
  engineVersion: "2026.1",
  inputs: { application: { id: "app_1", amountCents: 750_000 }, note: "é ✓ 漢字" },
  ruleResults: Array.from({ length: 40 }, (_, i) => ({ key: `rule_${i}`, fired: i % 7 === 0 })),
};
// A PDF-shaped document: a header, text and bytes that do not compress.
const pdf = Buffer.concat([
  Buffer.from("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "latin1"),
  Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251)),
  Buffer.from("%%EOF\n"),
]);

describe("compressed columns", () => {
  it("gives back exactly the JSON text and the document bytes written, smaller", () => {
    const text = JSON.stringify(snapshot);
    const stored = encodeJson(snapshot);
    expect(isCompressed(stored)).toBe(true);
    expect(stored.length).toBeLessThan(Buffer.byteLength(text) / 3);
    expect(decodeText(stored)).toBe(text);
    // The driver hands BLOBs over as an ArrayBuffer (@libsql/client) or a Buffer (native).
    const copy = new Uint8Array(stored).buffer;
    expect(decodeText(copy)).toBe(text);

    const document = compress(pdf);
    expect(sha256(decodeBytes(document))).toBe(sha256(pdf));
    expect(sha256(decodeBytes(new Uint8Array(document).buffer))).toBe(sha256(pdf));
  });

  it("reads rows written before compression as they are", () => {
    const text = JSON.stringify(snapshot);
    expect(decodeText(text)).toBe(text);
    expect(decodeBytes(pdf).equals(pdf)).toBe(true);
    expect(isCompressed(pdf)).toBe(false);
    // Neither JSON nor a PDF can begin with the marker's NUL byte.
    expect(compressedMarker[0]).toBe(0);
  });

  it("writes JSON as format 2, smaller, and reads back the very text (ADR 088)", () => {
    // A payment schedule and a Truth-in-Lending box, as an offer stores them.
    let balance = 1_212_000;
    const schedule = Array.from({ length: 36 }, (_, i) => {
      const interestCents = Math.round(balance * 0.0083);
      const principalCents = 39_214 - interestCents;
      balance -= principalCents;
      return {
        number: i + 1,
        paymentCents: 39_214,
        interestCents,
        principalCents,
        balanceCents: balance,
      };
    });
    const offer = {
      termMonths: 36,
      disclosure: {
        annualPercentageRate: "10.675",
        paymentSchedule: [{ count: 35, when: "Monthly, beginning 1 month after the loan date" }],
        prepayment: {
          penalty: false,
          text: "If you pay off early, you will not have to pay a penalty, and you will not be entitled to a refund of the prepaid finance charge (the origination fee).",
        },
      },
      schedule,
      note: 'é ✓ 漢字 \u0001 "quoted"',
    };
    const text = JSON.stringify(offer);
    const stored = encodeJson(offer);
    expect([...stored.subarray(0, 4)]).toEqual([...compressedJsonMarker]);
    expect(isCompressed(stored)).toBe(true);
    expect(decodeText(stored)).toBe(text);
    expect(decodeText(new Uint8Array(stored).buffer)).toBe(text);
    expect(decodeBytes(stored).toString("utf8")).toBe(text);
    // The drizzle column reads the value without rebuilding the text: the same value.
    expect(decodeJson(stored)).toEqual(JSON.parse(text));
    expect(decodeJson(compress(Buffer.from(text), "text"))).toEqual(JSON.parse(text));
    expect(decodeJson(text)).toEqual(JSON.parse(text));
    expect(stored.length).toBeLessThan(compress(Buffer.from(text), "text").length * 0.7);
  });

  it("keeps format 1 for any text format 2 would not give back exactly", () => {
    for (const text of [
      '{"a": 1, "b": [1, 2]}', // not JSON.stringify's spacing
      '{"1":"x","0":"y"}', // integer keys: JSON.parse reorders them
      JSON.stringify({ "\u0000c": ["a"], d: [1, 2, 3, 4] }), // looks like a stored column block
      "not json at all",
    ]) {
      const stored = encodeJsonText(text);
      expect([...stored.subarray(0, 4)]).toEqual([...compressedMarker]);
      expect(decodeText(stored)).toBe(text);
    }
  });

  it("works the same on Deno: each runtime reads what the other wrote", () => {
    const deno = resolve("node_modules/.bin/deno");
    const dir = mkdtempSync(join(tmpdir(), "flowpay-compressed-deno-"));
    const script = join(dir, "roundtrip.ts");
    writeFileSync(
      script,
      `import { compress, decodeBytes, decodeText, encodeJson } from ${JSON.stringify(resolve("db/schema/compressed.ts"))};
import { createHash } from "node:crypto";
const [fromNode, jsonFromNode] = Deno.args;
const decoded = decodeBytes(Buffer.from(fromNode, "base64"));
const written = compress(decoded);
const json = decodeText(Buffer.from(jsonFromNode, "base64"));
console.log(JSON.stringify({
  sha256: createHash("sha256").update(decoded).digest("hex"),
  written: written.toString("base64"),
  json,
  jsonWritten: encodeJson(JSON.parse(json)).toString("base64"),
}));
`,
    );
    const run = spawnSync(
      deno,
      [
        "run",
        "--node-modules-dir=manual",
        "--allow-read",
        "--allow-env",
        script,
        compress(pdf).toString("base64"),
        encodeJson(snapshot).toString("base64"),
      ],
      { encoding: "utf8", timeout: 60_000 },
    );
    expect(run.stderr).toBe("");
    const out = JSON.parse(run.stdout) as {
      sha256: string;
      written: string;
      json: string;
      jsonWritten: string;
    };
    expect(out.json).toBe(JSON.stringify(snapshot));
    const jsonFromDeno = Buffer.from(out.jsonWritten, "base64");
    expect([...jsonFromDeno.subarray(0, 4)]).toEqual([...compressedJsonMarker]);
    expect(decodeText(jsonFromDeno)).toBe(JSON.stringify(snapshot));
    expect(out.sha256).toBe(sha256(pdf));
    const fromDeno = Buffer.from(out.written, "base64");
    expect(isCompressed(fromDeno)).toBe(true);
    expect(decodeBytes(fromDeno).equals(pdf)).toBe(true);
  });
});

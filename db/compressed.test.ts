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
  compressedMarker,
  decodeBytes,
  decodeText,
  encodeJson,
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

  it("works the same on Deno: each runtime reads what the other wrote", () => {
    const deno = resolve("node_modules/.bin/deno");
    const dir = mkdtempSync(join(tmpdir(), "flowpay-compressed-deno-"));
    const script = join(dir, "roundtrip.ts");
    writeFileSync(
      script,
      `import { compress, decodeBytes } from ${JSON.stringify(resolve("db/schema/compressed.ts"))};
import { createHash } from "node:crypto";
const [fromNode] = Deno.args;
const decoded = decodeBytes(Buffer.from(fromNode, "base64"));
const written = compress(decoded);
console.log(JSON.stringify({
  sha256: createHash("sha256").update(decoded).digest("hex"),
  written: written.toString("base64"),
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
      ],
      { encoding: "utf8", timeout: 60_000 },
    );
    expect(run.stderr).toBe("");
    const out = JSON.parse(run.stdout) as { sha256: string; written: string };
    expect(out.sha256).toBe(sha256(pdf));
    const fromDeno = Buffer.from(out.written, "base64");
    expect(isCompressed(fromDeno)).toBe(true);
    expect(decodeBytes(fromDeno).equals(pdf)).toBe(true);
  });
});

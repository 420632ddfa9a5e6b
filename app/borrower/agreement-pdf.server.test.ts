import { createHash } from "node:crypto";
import { inflateSync } from "node:zlib";
import { PDFDocument, StandardFonts } from "pdf-lib";
import { describe, expect, it } from "vitest";
import { adverseActionNoticeView, creditor } from "~/app/decisioning/adverse-action";
import { sandboxCreditor } from "~/app/lending/creditors";
import { agreementText, buildAgreement } from "./agreement";
import {
  renderAgreementPdf,
  renderNoticePdf,
  type AgreementSignature,
} from "./agreement-pdf.server";
import { agreementInput } from "./pdf-fixtures";
import { isWinAnsi, toWinAnsi, truncate, wrapText } from "./pdf-text";

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

const signature: AgreementSignature = {
  fullName: "Alex Rivera",
  signedAt: new Date("2025-01-15T16:04:05.123Z"),
  ip: "203.0.113.9",
  userAgent:
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
};

const sixtyMonths = buildAgreement(agreementInput({ feeRate: "2.000", termMonths: 60 }));

/** Windows-1252's 0x80–0x9F (undefined codes as U+FFFD). */
const cp1252High = "€\uFFFD‚ƒ„…†‡ˆ‰Š‹Œ\uFFFDŽ\uFFFD\uFFFD‘’“”•–—˜™š›œ\uFFFDžŸ";

/**
 * The text drawn on the pages: every string shown with Tj — a literal `(…)` with `\(`, `\)`,
 * `\\` escaped (ADR 087) or a hex `<…>` (before) — decoded from WinAnsi.
 */
function drawnText(bytes: Uint8Array): string[] {
  const raw = Buffer.from(bytes).toString("latin1");
  const shown: string[] = [];
  for (const match of raw.matchAll(/(?<!end)stream\r?\n([\s\S]*?)\r?\nendstream/g)) {
    let content: string;
    try {
      content = inflateSync(Buffer.from(match[1]!, "latin1")).toString("latin1");
    } catch {
      content = match[1]!; // a plain content stream (ADR 087)
    }
    for (const text of content.matchAll(
      /<([0-9A-Fa-f]*)>\s*Tj|\(((?:\\[\s\S]|[^\\()])*)\)\s*Tj/g,
    )) {
      const codes =
        text[1] !== undefined
          ? [...Buffer.from(text[1], "hex")]
          : [...text[2]!.replace(/\\([\s\S])/g, "$1")].map((char) => char.charCodeAt(0));
      shown.push(
        codes
          .map((code) =>
            code >= 0x80 && code <= 0x9f ? cp1252High[code - 0x80] : String.fromCharCode(code),
          )
          .join(""),
      );
    }
  }
  return shown;
}

describe("renderAgreementPdf", () => {
  it("is a PDF with the expected metadata and the schedule over several pages", async () => {
    const bytes = await renderAgreementPdf(sixtyMonths, signature);
    expect(Buffer.from(bytes.subarray(0, 5)).toString("latin1")).toBe("%PDF-");
    const pdf = await PDFDocument.load(bytes, { updateMetadata: false });
    expect(pdf.getTitle()).toBe(sixtyMonths.title);
    expect(pdf.getAuthor()).toBe(creditor.name);
    expect(pdf.getSubject()).toBe(
      `Signed loan agreement, application ${sixtyMonths.applicationId} (loan-agreement/1)`,
    );
    expect(pdf.getCreator()).toBe("FlowPay");
    expect(pdf.getProducer()).toContain("FlowPay");
    expect(pdf.getKeywords()).toContain("loan-agreement/1");
    // PDF dates have whole seconds.
    expect(pdf.getCreationDate()?.toISOString()).toBe("2025-01-15T16:04:05.000Z");
    expect(pdf.getModificationDate()?.toISOString()).toBe("2025-01-15T16:04:05.000Z");
    expect(pdf.getPageCount()).toBeGreaterThanOrEqual(2);
    for (const page of pdf.getPages()) {
      expect(page.getSize()).toEqual({ width: 612, height: 792 });
    }
  });

  it("draws the box, the signature block, the version and every scheduled payment", async () => {
    const bytes = await renderAgreementPdf(sixtyMonths, signature);
    const shown = drawnText(bytes);
    const all = shown.join("\n");
    for (const cell of sixtyMonths.federalBox) expect(shown).toContain(cell.value);
    expect(all).toContain("Electronically signed by Alex Rivera on 2025-01-15T16:04:05.123Z");
    expect(all).toContain("from IP 203.0.113.9 (Mozilla/5.0");
    expect(all).toContain("loan-agreement/1");
    const textHash = createHash("sha256").update(agreementText(sixtyMonths)).digest("hex");
    expect(all.replace(/\n/g, "")).toContain(textHash);
    for (const row of sixtyMonths.scheduleTable) expect(shown).toContain(row.dueDate);
    const pages = (await PDFDocument.load(bytes)).getPageCount();
    expect(shown).toContain(`Page ${pages} of ${pages}`);
  });

  it("gives identical bytes for identical input, different bytes for a different signer", async () => {
    const first = await renderAgreementPdf(sixtyMonths, signature);
    const second = await renderAgreementPdf(structuredClone(sixtyMonths), {
      ...signature,
      signedAt: new Date(signature.signedAt.getTime()),
    });
    expect(sha256(second)).toBe(sha256(first));
    const renamed = await renderAgreementPdf(sixtyMonths, {
      ...signature,
      fullName: "Alex Riviera",
    });
    expect(sha256(renamed)).not.toBe(sha256(first));
    const later = await renderAgreementPdf(sixtyMonths, {
      ...signature,
      signedAt: new Date("2025-01-15T16:04:06.123Z"),
    });
    expect(sha256(later)).not.toBe(sha256(first));
  });

  it("signs for a borrower named Zoë O’Brien, and survives characters Helvetica lacks", async () => {
    const doc = buildAgreement(
      agreementInput(
        {},
        {
          borrower: { fullName: "Zoë O’Brien", addressLines: ["Łódź → Straße 1 ≤ 2 😀"] },
          merchant: { name: "Café “Zoë” — ﬁne dentistry…" },
        },
      ),
    );
    const bytes = await renderAgreementPdf(doc, {
      fullName: "Zoë O’Brien",
      signedAt: signature.signedAt,
      ip: null,
      userAgent: null,
    });
    // Wrapped lines joined by spaces give back the text as written.
    const all = drawnText(bytes).join(" ");
    expect(all).toContain("Electronically signed by Zoë O’Brien on 2025-01-15T16:04:05.123Z");
    expect(all).toContain("from IP unknown (user agent not recorded)");
    expect(all).toContain("Lódz -> Straße 1 <= 2 ?");
    expect(all).toContain("Café “Zoë” — fine dentistry…");
  });

  it("truncates a very long user agent", async () => {
    const bytes = await renderAgreementPdf(sixtyMonths, {
      ...signature,
      userAgent: `Agent/${"x".repeat(2_000)}`,
    });
    const all = drawnText(bytes).join("");
    expect(all).toContain("...)");
    expect(all).not.toContain("x".repeat(200));
  });

  it("refuses an invalid signing time", async () => {
    await expect(
      renderAgreementPdf(sixtyMonths, { ...signature, signedAt: new Date("nope") }),
    ).rejects.toThrow(RangeError);
  });
});

describe("renderNoticePdf", () => {
  const view = adverseActionNoticeView({
    applicantName: "Zoë O’Brien",
    amountCents: 250_000,
    merchantName: "Bright Smile Dental",
    decidedOn: "2025-01-15",
    reasons: [
      { code: "dti", text: "Debt-to-income ratio ≥ 50 % → too high" },
      { code: "bank", text: "Insufficient bank account history" },
    ],
    creditScoreDisclosure: {
      score: 580,
      scoreModel: "VantageScore 3.0",
      range: { min: 300, max: 850 },
      keyFactors: ["Too many recent inquiries", "Proportion of balances to credit limits"],
      date: "2025-01-15",
      bureau: {
        name: "Experian",
        address: "P.O. Box 2002, Allen, TX 75013",
        phone: "1-888-397-3742",
        website: "www.experian.com/reportaccess",
      },
      statements: {
        bureauDidNotDecide: "The consumer reporting agency played no part in our decision.",
        freeReport: "You have a right to a free copy of your report within 60 days.",
        dispute: "You have the right to dispute inaccurate information.",
      },
    },
    creditor: sandboxCreditor,
  });
  const issuedAt = new Date("2025-01-15T16:10:00.000Z");

  it("renders the title and every section, deterministically", async () => {
    const bytes = await renderNoticePdf(view, issuedAt);
    expect(Buffer.from(bytes.subarray(0, 5)).toString("latin1")).toBe("%PDF-");
    const pdf = await PDFDocument.load(bytes);
    expect(pdf.getTitle()).toBe(view.title);
    expect(pdf.getAuthor()).toBe(creditor.name);
    expect(pdf.getCreationDate()?.toISOString()).toBe(issuedAt.toISOString());
    const all = drawnText(bytes).join("\n");
    for (const section of view.sections) expect(all).toContain(section.heading);
    expect(all).toContain("Debt-to-income ratio >= 50 % -> too high");
    expect(all).toContain("Dear Zoë O’Brien,");
    expect(sha256(await renderNoticePdf(view, new Date(issuedAt.getTime())))).toBe(sha256(bytes));
    expect(sha256(await renderNoticePdf(view, new Date("2025-01-16T16:10:00Z")))).not.toBe(
      sha256(bytes),
    );
  });
});

describe("WinAnsi sanitiser", () => {
  it("keeps what Helvetica has and replaces what it lacks", () => {
    expect(toWinAnsi("Zoë O’Brien")).toBe("Zoë O’Brien");
    expect(toWinAnsi("“quoted” ‘single’ • bullet … – — € ™")).toBe(
      "“quoted” ‘single’ • bullet … – — € ™",
    );
    expect(toWinAnsi("a → b ← c ≤ d ≥ e ≠ f − g")).toBe("a -> b <- c <= d >= e != f - g");
    expect(toWinAnsi("Łódź Dvořák Đorđe Ősz")).toBe("Lódz Dvorák Dorde Osz");
    expect(toWinAnsi("ﬁne ⅓ №5")).toBe("fine 1/3 No5");
    expect(toWinAnsi("Zoe\u0308")).toBe("Zoë");
    expect(toWinAnsi("a\u200bb\u00adc\u0007d\te")).toBe("abcd e");
    expect(toWinAnsi("line 1\r\nline 2\u2028line 3")).toBe("line 1\nline 2\nline 3");
    expect(toWinAnsi("😀 ❤️ 漢字")).toBe("? ? ??");
  });

  it("only ever produces characters the standard font can encode", async () => {
    const pdf = await PDFDocument.create();
    const font = await pdf.embedFont(StandardFonts.Helvetica);
    const samples = [
      "Zoë O’Brien",
      "→•…“”‘’≤≥−‐‑‒―⁄′″✓✔☐◦▪●",
      "ŁłĐđĦħıŦŧ Ωμπ ∑∞ ½ ⅞ ﬀﬁﬂ",
      "\u2000\u2001\u2002\u2003\u2009\u200a\u202f\u205f\u3000",
      "😀👍🏽👨‍👩‍👧 漢字 עברית العربية Ελληνικά Русский",
      Array.from({ length: 0x3000 }, (_, code) => String.fromCharCode(code)).join(""),
    ];
    for (const sample of samples) {
      const safe = toWinAnsi(sample);
      for (const char of safe) expect(char === "\n" || isWinAnsi(char)).toBe(true);
      for (const line of safe.split("\n")) expect(() => font.encodeText(line)).not.toThrow();
    }
  });

  it("wraps on spaces and breaks words longer than a line", () => {
    const measure = (value: string) => value.length;
    expect(wrapText("the quick brown fox", 9, measure)).toEqual(["the quick", "brown fox"]);
    expect(wrapText("abcdefghij kl", 4, measure)).toEqual(["abcd", "efgh", "ij", "kl"]);
    expect(wrapText("a\n\nb", 10, measure)).toEqual(["a", "", "b"]);
    expect(wrapText("", 10, measure)).toEqual([""]);
    expect(truncate("abcdef", 5)).toBe("ab...");
    expect(truncate("abc", 5)).toBe("abc");
  });
});

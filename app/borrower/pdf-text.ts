/**
 * Text for PDFs drawn with the 14 standard fonts (Helvetica), which pdf-lib encodes in
 * WinAnsi (Windows-1252): printable ASCII, Latin-1 and 27 extra characters. pdf-lib throws
 * on anything else ("WinAnsi cannot encode …"), so every string drawn goes through
 * `toWinAnsi` first. Pure (no pdf-lib import) so it can be unit-tested on its own.
 */

/** The 27 characters Windows-1252 puts in 0x80–0x9F (pdf-lib's WinAnsi encoding has them). */
const cp1252Extras = "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ";

/** True when Helvetica can draw `char` (one code point). */
export function isWinAnsi(char: string): boolean {
  const code = char.codePointAt(0)!;
  if (char.length !== (code > 0xffff ? 2 : 1)) return false;
  return (
    (code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff) || cp1252Extras.includes(char)
  );
}

/**
 * Replacements for characters outside WinAnsi that have an obvious plain equivalent.
 * Accented letters are handled by Unicode decomposition (ő → o) and need no entry here.
 */
const replacements: Record<string, string> = {
  "→": "->",
  "←": "<-",
  "↔": "<->",
  "⇒": "=>",
  "≤": "<=",
  "≥": ">=",
  "≠": "!=",
  "≈": "~",
  "−": "-", // minus sign
  "‐": "-", // hyphen
  "‑": "-", // non-breaking hyphen
  "‒": "-", // figure dash
  "―": "-", // horizontal bar
  "⁄": "/", // fraction slash (⅓ decomposes to 1⁄3)
  "′": "'",
  "″": '"',
  "‛": "'",
  "‟": '"',
  "✓": "[x]",
  "✔": "[x]",
  "✗": "[ ]",
  "☐": "[ ]",
  "◦": "•",
  "▪": "•",
  "●": "•",
  Ł: "L",
  ł: "l",
  Đ: "D",
  đ: "d",
  Ħ: "H",
  ħ: "h",
  ı: "i",
  Ŧ: "T",
  ŧ: "t",
  "\t": " ",
  "\u2028": "\n", // line separator
  "\u2029": "\n", // paragraph separator
  "\u00ad": "", // soft hyphen: invisible in running text, but Helvetica would draw it
};

/** Combining marks left over after decomposition (the accents of ő, ȩ, …). */
const combiningMark = /\p{M}/u;
/** Invisible format characters (zero-width space/joiners, BOM, bidi marks): dropped. */
const formatChar = /\p{Cf}/u;
/** Control characters other than the line feed: dropped. */
const controlChar = /\p{Cc}/u;

function replaceOne(char: string): string | null {
  const mapped = replacements[char];
  if (mapped !== undefined) return mapped;
  return isWinAnsi(char) ? char : null;
}

/**
 * `text` with every character Helvetica can draw, or a line feed. NFC first (so "e" +
 * combining diaeresis becomes "ë", which WinAnsi has); then, per character: kept if WinAnsi
 * has it, else a listed plain equivalent, else its compatibility decomposition without
 * accents (ő → o, ﬁ → fi, thin space → space), else "?".
 */
export function toWinAnsi(text: string): string {
  let out = "";
  for (const char of text.replace(/\r\n?/g, "\n").normalize("NFC")) {
    if (char === "\n") {
      out += "\n";
      continue;
    }
    const direct = replaceOne(char);
    if (direct !== null) {
      out += direct;
      continue;
    }
    // Controls, invisible format characters and stray accents (emoji variation selectors).
    if (controlChar.test(char) || formatChar.test(char) || combiningMark.test(char)) continue;
    let decomposed = "";
    let ok = true;
    for (const part of char.normalize("NFKD")) {
      if (combiningMark.test(part)) continue;
      const replaced = replaceOne(part);
      if (replaced === null) {
        ok = false;
        break;
      }
      decomposed += replaced;
    }
    out += ok && decomposed !== "" ? decomposed : "?";
  }
  return out;
}

/**
 * Greedy word wrap. `measure` gives a string's width in the caller's units. Line feeds
 * start new lines; runs of spaces collapse; a word wider than the line (a URL, a user
 * agent) is broken between characters. Always returns at least one line.
 */
export function wrapText(
  text: string,
  maxWidth: number,
  measure: (value: string) => number,
): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split("\n")) {
    const words = paragraph.split(" ").filter((word) => word !== "");
    let line = "";
    for (const word of words) {
      const candidate = line === "" ? word : `${line} ${word}`;
      if (measure(candidate) <= maxWidth) {
        line = candidate;
        continue;
      }
      if (line !== "") lines.push(line);
      line = "";
      if (measure(word) <= maxWidth) {
        line = word;
        continue;
      }
      // Break an over-long word between characters (code points).
      for (const char of word) {
        if (line !== "" && measure(line + char) > maxWidth) {
          lines.push(line);
          line = "";
        }
        line += char;
      }
    }
    lines.push(line);
  }
  return lines.length > 0 ? lines : [""];
}

/** At most `max` characters (code points), with "..." when cut. */
export function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, Math.max(0, max - 3)).join("")}...`;
}

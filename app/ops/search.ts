/**
 * Forgiving FlowOps search (ADR 081), the pure part: what an operator typed → the substrings
 * the trigram index (migration 0038) is asked for (part of a name or e-mail, a phone's last
 * digits), and the word index's (migration 0008) prefixes with, for each name word, the names one
 * edit away that the index holds — so a single typo still finds the person. The database ranks
 * the union (search.server.ts).
 *
 * Nothing here is FTS syntax the operator controls: every term is a quoted phrase of letters,
 * digits and the few marks e-mail addresses carry, so quotes, colons, NEAR or "-" cannot change
 * the query.
 */

/**
 * A word as searched: `digits` (a phone or its last digits) or `text` (a name or e-mail part),
 * and, for a name word, every spelling one edit away (`typos`, looked up in the index's words).
 */
export type SearchWord = { text: string; kind: "digits" | "text"; typos: string[] };

export type SearchTerms = {
  words: SearchWord[];
  /** The input was a phone number (or its last digits), however written. */
  phone: boolean;
  /** MATCH expression for application_search_trigram, or null when no word has 3+ characters. */
  trigram: string | null;
};

/** Trigram phrases need 3 characters; a phone needs 4 digits (its last four). */
const minTrigramLength = 3;
const minPhoneDigits = 4;
/** Shorter words get no typo variants: "ana" one edit away is half the alphabet of names. */
const minTypoLength = 4;
export const maxWords = 8;
const alphabet = "abcdefghijklmnopqrstuvwxyz";

/** Lower case, NFKC, diacritics off — as the trigram tokenizer's remove_diacritics does. */
export function normalizeWord(word: string): string {
  return word
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}@._'+-]/gu, "");
}

/**
 * Every word one edit away (Damerau: a letter deleted, inserted, replaced, or two neighbours
 * swapped), with at least `minTypoLength` characters, without the word itself. Insertions and
 * replacements use a–z: the names the index holds are compared without diacritics.
 */
export function oneEditVariants(word: string): string[] {
  const variants = new Set<string>();
  const n = word.length;
  for (let i = 0; i < n; i++) variants.add(word.slice(0, i) + word.slice(i + 1));
  for (let i = 0; i < n - 1; i++) {
    variants.add(word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2));
  }
  for (let i = 0; i <= n; i++) {
    for (const letter of alphabet) {
      variants.add(word.slice(0, i) + letter + word.slice(i));
      if (i < n) variants.add(word.slice(0, i) + letter + word.slice(i + 1));
    }
  }
  variants.delete(word);
  return [...variants].filter((v) => v.length >= minTypoLength);
}

/**
 * Optimal-string-alignment distance of two words, stopping at `limit + 1` (the tests and the
 * bench use it to say a found name is within one edit).
 */
export function editDistance(a: string, b: string, limit = 2): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    rows.push([i]);
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        rows[0]!.push(j);
        continue;
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      }
      rows[i]!.push(best);
    }
  }
  return Math.min(rows[a.length]![b.length]!, limit + 1);
}

const phrase = (term: string) => `"${term}"`;

/**
 * The words of a search and their trigram MATCH expression. A phone however it is written
 * ("(512) 555-0142", "+1 512…", "0142") is one digits word; other input splits on spaces. Each
 * word of 3+ characters (a phone's 4+ digits) must occur in the name, e-mail or phone (AND).
 * Name words of 4+ letters carry their one-edit variants; the server keeps those the word index
 * holds (its vocabulary) and passes them to `wordQuery`.
 */
export function searchTerms(input: string): SearchTerms {
  const text = input.normalize("NFKC").trim();
  const digits = text.replace(/\D/g, "");
  const phone = /^[\d\s()+.-]+$/.test(text) && digits.length >= minPhoneDigits;
  const words: SearchWord[] = phone
    ? [{ text: digits, kind: "digits", typos: [] }]
    : text
        .split(/\s+/)
        .map(normalizeWord)
        .filter((word) => /[\p{L}\p{N}]/u.test(word))
        .slice(0, maxWords)
        .map((word) => ({
          text: word,
          kind: /^\d+$/.test(word) ? ("digits" as const) : ("text" as const),
          typos:
            /^\p{L}+$/u.test(word) && word.length >= minTypoLength ? oneEditVariants(word) : [],
        }));
  const groups = words
    .filter((w) => w.text.length >= (w.kind === "digits" ? minPhoneDigits : minTrigramLength))
    .map((w) => phrase(w.text));
  return { words, phone, trigram: groups.length > 0 ? groups.join(" AND ") : null };
}

/**
 * The word index's MATCH expression (migration 0008's unicode61 tokens): a word too short for the
 * trigram index, or digits (a phone token, a CRM id), as a prefix ("al"*); a longer word as a
 * whole word — its prefixes and substrings are the trigram index's, and a prefix query merges the
 * postings of every word it matches (a common surname's stem: every row, ADR 089) —, or, for a
 * name word, one of the names one edit away that the index holds (`known`, from its
 * vocabulary), so "Jonh Smiht" finds John Smith.
 */
export function wordQuery(words: SearchWord[], known: ReadonlySet<string>): string | null {
  if (words.length === 0) return null;
  return words
    .map((w) => {
      const typos = w.typos.filter((t) => known.has(t));
      const self =
        w.kind === "digits" || w.text.length < minTrigramLength
          ? `${phrase(w.text)}*`
          : phrase(w.text);
      return typos.length > 0 ? `(${self} OR name : (${typos.map(phrase).join(" OR ")}))` : self;
    })
    .join(" AND ");
}

import { sql, type SQL } from "drizzle-orm";
import type { Database } from "~/db/client";
import type { ApplicationStatus } from "~/db/schema/applications";
import { ftsQuery, type Cursor } from "./applications";
import { searchTerms, wordQuery, type SearchWord } from "./search";

/**
 * Forgiving FlowOps search (ADR 081): candidates from the trigram index (substrings, a phone's
 * last digits; migration 0038) and the word index (whole words, prefixes, names one edit away,
 * CRM ids; migration 0008), each read newest first and capped, under the list's filters; then ranked
 * — best match first, newest first among equals — and keyset-paged on (rank, created_at, id).
 *
 * The cap bounds a search's cost (FTS5 walks its postings in rowid order and stops at the LIMIT);
 * a search matching more than `candidateCap` applications in one index ranks the newest of them,
 * and the operator narrows it with another word.
 *
 * A name typed alone, or a first and a last name, first reads its whole-name matches — the top
 * rank — newest first from application_search_name_dates (migration 0047, ADR 089): a common
 * surname's page then costs one index page, not the ranking of up to 2 × `candidateCap`
 * candidates, and its pages go on through every match, not only the newest thousand. The
 * indexes above are read only for what those do not fill.
 */
export const candidateCap = 1000;
/** How many whole-name index entries a filtered or two-word search reads before giving up on them. */
export const exactWalkCap = 2000;

export type SearchRow = {
  id: string;
  status: ApplicationStatus;
  amountCents: number;
  createdAt: Date;
  crm: string;
  customerName: string;
  merchantName: string;
};

/**
 * How well a row matches one word: 5 the whole first or last name, 4 another whole field (the
 * e-mail or its local part, a CRM customer id, a phone's last digits), 3 the start of a name or
 * the e-mail, 2 anywhere in them (or in the phone), 1 otherwise — the row is a candidate through
 * a one-typo variant or a CRM job id. A row's rank is the sum over the words; every word a whole
 * name is the top rank, `exactRank`, which application_search_name_dates lists by date (ADR 089).
 */
function wordRank(word: SearchWord): SQL {
  const w = word.text;
  if (word.kind === "digits") {
    return sql`CASE
      WHEN substr(customers.phone, ${-w.length}) = ${w} OR customers.crm_customer_id = ${w} THEN 4
      WHEN instr(customers.phone, ${w}) > 0 OR instr(customers.crm_customer_id, ${w}) > 0 THEN 2
      ELSE 1 END`;
  }
  const email = sql`lower(coalesce(customers.email, ''))`;
  return sql`CASE
    WHEN lower(customers.first_name) = ${w} OR lower(customers.last_name) = ${w} THEN 5
    WHEN ${email} = ${w} OR substr(${email}, 1, instr(${email}, '@') - 1) = ${w}
      OR lower(customers.crm_customer_id) = ${w} THEN 4
    WHEN substr(lower(customers.first_name), 1, ${w.length}) = ${w}
      OR substr(lower(customers.last_name), 1, ${w.length}) = ${w}
      OR substr(${email}, 1, ${w.length}) = ${w} THEN 3
    WHEN instr(lower(customers.first_name || ' ' || customers.last_name) || ' ' || ${email}, ${w}) > 0 THEN 2
    ELSE 1 END`;
}

/**
 * Which one-edit spellings of the typed name words some customer has: point look-ups in the name
 * words table (migration 0038) — a few hundred b-tree seeks, whatever the table size.
 */
async function knownWords(database: Database, words: SearchWord[]): Promise<Set<string>> {
  const variants = [...new Set(words.flatMap((w) => w.typos))];
  if (variants.length === 0) return new Set();
  const rows = await database.db.all<{ term: string }>(
    sql`SELECT term FROM application_search_names WHERE term IN (${sql.join(
      variants.map((v) => sql`${v}`),
      sql`, `,
    )})`,
  );
  return new Set(rows.map((row) => row.term));
}

type RawRow = {
  id: string;
  status: ApplicationStatus;
  amount_cents: number;
  created_at: number;
  crm: string;
  first_name: string;
  last_name: string;
  merchant_name: string;
  rank: number;
};

type SearchInput = {
  q: string;
  /** The list's other filters (status, merchant, dates), on `applications`. */
  where: SQL | undefined;
  after: Cursor | null;
  limit: number;
};

const rowColumns = sql`applications.id, applications.status, applications.amount_cents,
  applications.created_at, applications.crm, customers.first_name, customers.last_name,
  merchants.name AS merchant_name`;

/** The top rank of a search whose every word is a whole first or last name (wordRank). */
const exactRank = (words: SearchWord[]) => 5 * words.length;

/**
 * The whole-name tier (ADR 089): applications whose customer's whole first or last name is each
 * typed word — a name alone, or a first and a last name —, newest first, after the cursor, from
 * application_search_name_dates (migration 0047): one index page, whatever the table's size. A
 * plain one-word search reads exactly the page; a filtered or two-word one reads at most
 * `exactWalkCap` entries and filters them. `exhausted` says the tier has no further row after the
 * ones returned — only then may lower ranks follow on the same page. Null when the search is not
 * of that form (digits, 3+ words) or the cursor is already past this tier.
 */
async function exactNameMatches(
  database: Database,
  words: SearchWord[],
  input: SearchInput,
): Promise<{ rows: RawRow[]; exhausted: boolean } | null> {
  if (words.length === 0 || words.length > 2 || words.some((w) => w.kind !== "text")) return null;
  const top = exactRank(words);
  if (input.after && input.after.rank !== top) return null;
  const after = input.after
    ? sql` AND (created_at, application_id) < (${input.after.createdAt}, ${input.after.id})`
    : sql``;
  const entries = (term: string, walk: number) => sql`SELECT created_at, application_id
    FROM application_search_name_dates WHERE term = ${term}${after}
    ORDER BY created_at DESC, application_id DESC LIMIT ${walk}`;
  const count = async (term: string, walk: number) =>
    Number(
      (
        await database.db.get<{ n: number }>(
          sql`SELECT count(*) AS n FROM (${entries(term, walk)})`,
        )
      )?.n ?? 0,
    );
  // Two words: the rarer one drives the walk (each counted no further than the cap), so "Ana
  // Rivera" reads the Riveras, not every Ana.
  let [first, second] = words as [SearchWord, SearchWord | undefined];
  if (second && second.text !== first.text) {
    const [a, b] = [await count(first.text, exactWalkCap), await count(second.text, exactWalkCap)];
    if (b < a) [first, second] = [second, first];
  }
  const walk = second || input.where ? exactWalkCap : input.limit + 1;
  const conditions = [
    input.where,
    second
      ? sql`(lower(customers.first_name) = ${second.text} OR lower(customers.last_name) = ${second.text})`
      : undefined,
  ].filter((c): c is SQL => c !== undefined);
  // CROSS JOIN keeps the index page the outer loop: a status or merchant filter must not turn
  // the plan into a walk of that filter's index.
  const rows = await database.db.all<RawRow>(sql`
    SELECT ${rowColumns}, ${top} AS rank
    FROM (${entries(first.text, walk)}) AS w
    CROSS JOIN applications ON applications.id = w.application_id
    JOIN customers ON customers.id = applications.customer_id
    JOIN merchants ON merchants.id = applications.merchant_id
    ${conditions.length > 0 ? sql`WHERE ${sql.join(conditions, sql` AND `)}` : sql``}
    ORDER BY w.created_at DESC, w.application_id DESC
    LIMIT ${input.limit + 1}`);
  if (rows.length > input.limit) return { rows, exhausted: false };
  const walked = walk === input.limit + 1 ? rows.length : await count(first.text, walk);
  return { rows, exhausted: walked < walk };
}

/**
 * Ranked candidates from the trigram and word indexes (ADR 081): at most `take` rows after the
 * cursor in the order (rank, created_at, id), best first.
 */
async function rankedMatches(
  database: Database,
  input: SearchInput,
  after: Cursor | null,
  take: number,
): Promise<RawRow[]> {
  const terms = searchTerms(input.q);
  const words = terms.phone
    ? ftsQuery(input.q)
    : wordQuery(terms.words, await knownWords(database, terms.words));
  const filter = input.where ? sql` AND ${input.where}` : sql``;
  const arms: SQL[] = [];
  if (terms.trigram) {
    arms.push(sql`SELECT * FROM (
      SELECT application_search_rows.application_id AS id FROM application_search_trigram
      JOIN application_search_rows ON application_search_rows.id = application_search_trigram.rowid
      JOIN applications ON applications.id = application_search_rows.application_id
      WHERE application_search_trigram MATCH ${terms.trigram}${filter}
      ORDER BY application_search_trigram.rowid DESC LIMIT ${candidateCap})`);
  }
  if (words) {
    arms.push(sql`SELECT * FROM (
      SELECT application_search.application_id AS id FROM application_search
      JOIN applications ON applications.id = application_search.application_id
      WHERE application_search MATCH ${words}${filter}
      ORDER BY application_search.rowid DESC LIMIT ${candidateCap})`);
  }
  // Nothing searchable in what was typed (only punctuation): no row can match it.
  if (arms.length === 0 || terms.words.length === 0) return [];
  const rank = sql.join(terms.words.map(wordRank), sql` + `);
  const keyset = after
    ? sql`WHERE (rank, created_at, id) < (${after.rank ?? 0}, ${after.createdAt}, ${after.id})`
    : sql``;
  return database.db.all<RawRow>(sql`
    SELECT * FROM (
      SELECT ${rowColumns}, (${rank}) AS rank
      FROM applications
      JOIN customers ON customers.id = applications.customer_id
      JOIN merchants ON merchants.id = applications.merchant_id
      WHERE applications.id IN (${sql.join(arms, sql` UNION `)})
    ) ${keyset}
    ORDER BY rank DESC, created_at DESC, id DESC
    LIMIT ${take}`);
}

const cursorOf = (row: RawRow): Cursor => ({
  rank: row.rank,
  createdAt: row.created_at,
  id: row.id,
});

export async function searchApplications(
  database: Database,
  input: SearchInput,
): Promise<{ rows: SearchRow[]; next: Cursor | null }> {
  const terms = searchTerms(input.q);
  // The top rank first, by date (ADR 089); the ranked candidates only for what it leaves over,
  // after its last row — one order, (rank, created_at, id), whichever index a row came from.
  const exact = terms.phone ? null : await exactNameMatches(database, terms.words, input);
  let found: RawRow[];
  if (exact && (exact.rows.length > input.limit || exact.exhausted)) {
    const last = exact.rows.at(-1);
    const rest =
      exact.rows.length > input.limit
        ? []
        : await rankedMatches(
            database,
            input,
            last ? cursorOf(last) : input.after,
            input.limit + 1 - exact.rows.length,
          );
    found = [...exact.rows, ...rest];
  } else {
    // Not a name search, or a filter the tier's walk could not fill a page through: as ADR 081.
    found = await rankedMatches(database, input, input.after, input.limit + 1);
  }
  const rows = found.slice(0, input.limit).map((row) => ({
    id: row.id,
    status: row.status,
    amountCents: row.amount_cents,
    createdAt: new Date(row.created_at),
    crm: row.crm,
    customerName: `${row.first_name} ${row.last_name}`,
    merchantName: row.merchant_name,
  }));
  const last = found[input.limit - 1];
  return { rows, next: found.length > input.limit && last ? cursorOf(last) : null };
}

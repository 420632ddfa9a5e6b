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
 * The cap bounds a common name's cost at any table size (FTS5 walks its postings in rowid order
 * and stops at the LIMIT); a search matching more than `candidateCap` applications in one index
 * ranks the newest of them, and the operator narrows it with another word.
 */
export const candidateCap = 1000;

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
 * How well a row matches one word: 4 whole (a name, the e-mail or its local part, a CRM
 * customer id, a phone's last digits), 3 the start of a name or the e-mail, 2 anywhere in them
 * (or in the phone), 1 otherwise — the row is a candidate through a one-typo variant or a CRM job
 * id. A row's rank is the sum over the words.
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
    WHEN lower(customers.first_name) = ${w} OR lower(customers.last_name) = ${w}
      OR ${email} = ${w} OR substr(${email}, 1, instr(${email}, '@') - 1) = ${w}
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

export async function searchApplications(
  database: Database,
  input: {
    q: string;
    /** The list's other filters (status, merchant, dates), on `applications`. */
    where: SQL | undefined;
    after: Cursor | null;
    limit: number;
  },
): Promise<{ rows: SearchRow[]; next: Cursor | null }> {
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
  if (arms.length === 0 || terms.words.length === 0) return { rows: [], next: null };
  const rank = sql.join(terms.words.map(wordRank), sql` + `);
  const after = input.after
    ? sql`WHERE (rank, created_at, id) < (${input.after.rank ?? 0}, ${input.after.createdAt}, ${input.after.id})`
    : sql``;
  const statement = sql`
    SELECT * FROM (
      SELECT applications.id, applications.status, applications.amount_cents,
        applications.created_at, applications.crm, customers.first_name, customers.last_name,
        merchants.name AS merchant_name, (${rank}) AS rank
      FROM applications
      JOIN customers ON customers.id = applications.customer_id
      JOIN merchants ON merchants.id = applications.merchant_id
      WHERE applications.id IN (${sql.join(arms, sql` UNION `)})
    ) ${after}
    ORDER BY rank DESC, created_at DESC, id DESC
    LIMIT ${input.limit + 1}`;
  const found = await database.db.all<RawRow>(statement);
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
  return {
    rows,
    next:
      found.length > input.limit && last
        ? { rank: last.rank, createdAt: last.created_at, id: last.id }
        : null,
  };
}

import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applications, customers } from "~/db/schema/index";
import { createTestDatabase, databaseBeforeMigration } from "~/db/testing";
import { decodeCursor, encodeCursor, parseFilters, type ApplicationFilters } from "./applications";
import { insertApplication, insertMerchant } from "./applications-fixtures";
import { listApplications } from "./applications.server";
import { editDistance, oneEditVariants, searchTerms, wordQuery } from "./search";

/** No filters: what the list parses from an empty query string. */
const noFilters: ApplicationFilters = parseFilters(new URLSearchParams()).filters;

describe("search terms (pure)", () => {
  it("a phone however written is its digits; 4 digits are enough", () => {
    for (const q of ["(512) 555-0142", "+1 512 555 0142", "512.555.0142"]) {
      expect(searchTerms(q).words.map((w) => w.text)).toEqual([
        q.startsWith("+1") ? "15125550142" : "5125550142",
      ]);
      expect(searchTerms(q).phone).toBe(true);
    }
    expect(searchTerms("0142")).toMatchObject({ phone: true, trigram: '"0142"' });
    // Three digits are no phone search (too many phones end so); as a word they are kept.
    expect(searchTerms("142").phone).toBe(false);
  });

  it("words are folded (case, accents) and stripped of FTS syntax", () => {
    expect(searchTerms('  JOSÉ "Núñez" name:riv NEAR(').words.map((w) => w.text)).toEqual([
      "jose",
      "nunez",
      "nameriv",
      "near",
    ]);
    expect(searchTerms('"').trigram).toBeNull();
    // Two-letter words cannot be trigram phrases; they still rank (and prefix the word index).
    expect(searchTerms("al rivera").trigram).toBe('"rivera"');
  });

  it("one-edit variants are exactly one edit away and cover the usual typos", () => {
    const variants = oneEditVariants("jonh");
    expect(variants).toContain("john"); // swapped neighbours
    expect(oneEditVariants("smth")).toContain("smith"); // a letter left out
    expect(oneEditVariants("smiith")).toContain("smith"); // a letter doubled
    expect(oneEditVariants("rivira")).toContain("rivera"); // a letter replaced
    for (const v of variants) expect(editDistance("jonh", v), v).toBe(1);
    expect(variants).not.toContain("jonh");
    expect(editDistance("garcia", "garica")).toBe(1);
    expect(editDistance("garcia", "gracai")).toBe(2);
    // Short words get none: "ana" one edit away is half the names there are.
    expect(searchTerms("ana").words[0]!.typos).toEqual([]);
  });

  it("the word query offers only the spellings the index holds", () => {
    const { words } = searchTerms("Jonh Smiht");
    expect(wordQuery(words, new Set(["john", "smith", "smitty"]))).toBe(
      '("jonh" OR name : ("john")) AND ("smiht" OR name : ("smith"))',
    );
    expect(wordQuery(words, new Set())).toBe('"jonh" AND "smiht"');
    // Prefixes only where the trigram index cannot take them: short words and digits (ADR 089).
    expect(wordQuery(searchTerms("al 48213").words, new Set())).toBe('"al"* AND "48213"*');
  });

  it("cursors carry the rank of a ranked page", () => {
    const cursor = { rank: 7, createdAt: 1_795_000_000_123, id: "app_01kb2c3d4e5f6g7h8j9k0m1n2p" };
    expect(encodeCursor(cursor)).toBe("7~1795000000123.app_01kb2c3d4e5f6g7h8j9k0m1n2p");
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
    expect(decodeCursor("x~1.app_01kb2c3d4e5f6g7h8j9k0m1n2p")).toBeNull();
  });
});

describe("forgiving search over a real database", () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let merchantId: string;
  const ids: Record<string, string> = {};
  const t0 = Date.UTC(2026, 10, 1);

  beforeAll(async () => {
    database = await createTestDatabase();
    merchantId = await insertMerchant(database);
    const people = [
      // Oldest first: the ranking, not the date, must put the exact match first.
      ["exact", "Maria", "Rivera", "maria.r@example.com", "+15125550142"],
      ["prefix", "Tom", "Riverano", "tom@example.org", "+15125559876"],
      ["inside", "Ana", "Abrivera", "ana@example.net", "+17375550199"],
      ["typo", "Lee", "Rivero", "lee@example.com", "+12145550142"],
      ["lovelace", "Ada", "Lovelace", "ada.lovelace@analytical.dev", "+14155551234"],
      ["john", "John", "Smith", "js@example.com", "+13105550100"],
      ["phoneInside", "Kim", "Park", "kim@example.com", "+10142555777"],
    ] as const;
    for (const [i, [key, firstName, lastName, email, phone]] of people.entries()) {
      ids[key] = (
        await insertApplication(database, {
          merchantId,
          firstName,
          lastName,
          email,
          phone,
          status: key === "lovelace" ? "approved" : "link_sent",
          createdAt: new Date(t0 + i * 60_000),
        })
      ).id;
    }
  });
  afterAll(() => database.destroy());

  const search = async (q: string, extra: Partial<ApplicationFilters> = {}) =>
    (await listApplications(database, { ...noFilters, q, ...extra })).rows.map((r) => r.id);

  it("finds the last 4 digits of a phone, those at the end first", async () => {
    const found = await search("0142");
    expect(found.slice(0, 2).sort()).toEqual([ids.exact, ids.typo].sort());
    expect(found[2]).toBe(ids.phoneInside);
    expect(found).toHaveLength(3);
    expect(await search("555-1234")).toEqual([ids.lovelace]);
    expect(await search("9999")).toEqual([]);
  });

  it("finds part of a name or of an e-mail", async () => {
    expect(await search("ovelac")).toEqual([ids.lovelace]);
    expect(await search("analytical")).toEqual([ids.lovelace]);
    expect(await search("lovelace@analy")).toEqual([ids.lovelace]);
    expect(await search("ada ovela")).toEqual([ids.lovelace]);
  });

  it("finds a name with one typo", async () => {
    expect(await search("Lovleace")).toEqual([ids.lovelace]);
    expect(await search("Jonh Smiht")).toEqual([ids.john]);
    expect(await search("Loveface")).toEqual([ids.lovelace]);
    // Two typos in one word are not one.
    expect(await search("Lvoleaec")).toEqual([]);
  });

  it("ranks the best match first: whole name, start of a name, inside a name, one typo", async () => {
    expect(await search("rivera")).toEqual([ids.exact, ids.prefix, ids.inside, ids.typo]);
  });

  it("keyset-pages a ranked result without losing or repeating a row", async () => {
    const all = await search("rivera");
    const seen: string[] = [];
    let after: ApplicationFilters["after"] = null;
    for (let page = 0; page < 5; page++) {
      const result = await listApplications(database, { ...noFilters, q: "rivera", after }, 1);
      seen.push(...result.rows.map((r) => r.id));
      if (!result.next) break;
      // Through the URL, as the page's "Next page" link carries it.
      after = decodeCursor(encodeCursor(result.next));
    }
    expect(seen).toEqual(all);
  });

  it("combines with the list's filters", async () => {
    expect(await search("lovelace", { status: "approved" })).toEqual([ids.lovelace]);
    expect(await search("lovelace", { status: "declined" })).toEqual([]);
  });

  it("reads only through indexes: no scan of applications, customers or the row map", async () => {
    // Capture at the client drizzle uses (as query-plans.test.ts does), then explain each query.
    type Execute = (stmt: unknown, args?: unknown) => Promise<unknown>;
    const client = database.client as unknown as { execute: Execute };
    const method = (Object.getPrototypeOf(client) as { execute: Execute }).execute;
    const captured: { sql: string; args: unknown[] }[] = [];
    client.execute = function (this: unknown, stmt, args) {
      const s = stmt as { sql: string; args?: unknown[] };
      captured.push({ sql: s.sql, args: s.args ?? [] });
      return method.call(this, stmt, args);
    };
    try {
      await search("rivera");
      await search("Jonh Smiht");
      await search("0142");
      await listApplications(database, { ...noFilters, q: "rivera", status: "link_sent" }, 1);
    } finally {
      delete (client as { execute?: Execute }).execute;
    }
    expect(captured.length).toBeGreaterThanOrEqual(5);
    for (const statement of captured) {
      const plan = (await database.client.execute({
        sql: `EXPLAIN QUERY PLAN ${statement.sql}`,
        args: statement.args as never,
      })) as unknown as { rows: { detail: string }[] };
      const scans = plan.rows
        .map((row) => String(row.detail))
        .filter((d) =>
          /^SCAN (applications|customers|merchants|application_search_rows)\b/.test(d),
        );
      expect(scans, statement.sql).toEqual([]);
    }
  });

  it("never searches what it does not index: SSN digits find nobody", async () => {
    await database.write((tx) =>
      tx.update(customers).set({ ssnLast4: "6789" }).where(eq(customers.firstName, "Ada")),
    );
    expect(await search("6789")).toEqual([]);
  });

  it("follows a name, e-mail or phone change in the write's own transaction", async () => {
    const { customerId, id } = await insertApplication(database, {
      merchantId,
      firstName: "Grace",
      lastName: "Hopper",
      phone: "+16465550007",
    });
    expect(await search("hoppe")).toEqual([id]);
    await database.write((tx) =>
      tx
        .update(customers)
        .set({ lastName: "Brewster", email: "grace@navy.mil", phone: "+16465550999" })
        .where(eq(customers.id, customerId)),
    );
    expect(await search("hoppe")).toEqual([]);
    expect(await search("Brewstre")).toEqual([id]); // the new name, with a typo
    expect(await search("navy.mil")).toEqual([id]);
    expect(await search("0999")).toEqual([id]);
    expect(await search("0007")).toEqual([]);
    await database.write((tx) => tx.delete(applications).where(eq(applications.id, id)));
    expect(await search("brewster")).toEqual([]);
  });
});

describe("migration 0038 backfills applications that existed before it", () => {
  it("indexes rows created before the migration", async () => {
    const database = await databaseBeforeMigration("0038_search_trigram");
    try {
      // Raw SQL with the columns of that time: later migrations may add columns to these tables.
      const old = { id: "app_01hzbeforemigration0038aaaa" };
      const at = Date.now();
      await database.write(async (tx) => {
        await tx.run(sql`INSERT INTO merchants (id, name, slug, created_at, updated_at)
          VALUES ('mer_before0038', 'Acme Pest Control', 'acme-before-0038', ${at}, ${at})`);
        await tx.run(sql`INSERT INTO customers (id, merchant_id, crm_customer_id, first_name, last_name, email, phone, created_at, updated_at)
          VALUES ('cus_old', 'mer_before0038', '501', 'Katherine', 'Johnson', 'kj@langley.gov', '+17575550186', ${at}, ${at})`);
        await tx.run(sql`INSERT INTO service_jobs (id, merchant_id, customer_id, crm_job_id, estimate_cents, created_at, updated_at)
          VALUES ('job_old', 'mer_before0038', 'cus_old', '502', 800000, ${at}, ${at})`);
        await tx.run(sql`INSERT INTO applications (id, merchant_id, customer_id, service_job_id, crm, status, amount_cents, created_at, updated_at)
          VALUES (${old.id}, 'mer_before0038', 'cus_old', 'job_old', 'fieldroutes', 'link_sent', 800000, ${at}, ${at})`);
      });
      await database.migrateRest();
      const found = async (q: string) =>
        (await listApplications(database, { ...noFilters, q })).rows.map((r) => r.id);
      expect(await found("0186")).toEqual([old.id]);
      expect(await found("angley")).toEqual([old.id]);
      expect(await found("Katherien")).toEqual([old.id]);
      const names = await database.db.all<{ term: string }>(
        sql`SELECT term FROM application_search_names ORDER BY term`,
      );
      expect(names.map((n) => n.term)).toEqual(["johnson", "katherine"]);
    } finally {
      database.destroy();
    }
  });
});

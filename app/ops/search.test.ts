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

describe("a common name (ADR 089): whole-name matches by date, then the ranked rest", () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let merchantId: string;
  const garcias: { id: string; at: number; first: string }[] = [];
  const others: Record<string, string> = {};
  const t0 = Date.UTC(2026, 9, 1);

  beforeAll(async () => {
    database = await createTestDatabase();
    merchantId = await insertMerchant(database);
    // Written out of date order: the index, not the insertion, must give the order.
    const firsts = ["Maria", "Luis", "Maria", "Ana", "Jose", "Maria", "Luis"];
    for (const [i, offset] of [3, 0, 6, 1, 5, 2, 4].entries()) {
      const at = t0 + offset * 86_400_000;
      const first = firsts[i]!;
      const { id } = await insertApplication(database, {
        merchantId,
        firstName: first,
        lastName: "GARCIA",
        email: null,
        status: i % 2 === 0 ? "declined" : "link_sent",
        createdAt: new Date(at),
      });
      garcias.push({ id, at, first });
    }
    // Newer than every Garcia, but no whole name "garcia": they rank below all of them.
    const more = [
      ["email", "Pat", "Lee", "garcia@example.com"],
      ["prefix", "Sam", "Garciano", "sam@example.com"],
      ["typo", "Kim", "Garcai", "kim@example.com"],
    ] as const;
    for (const [i, [key, first, last, email]] of more.entries()) {
      others[key] = (
        await insertApplication(database, {
          merchantId,
          firstName: first,
          lastName: last,
          email,
          createdAt: new Date(t0 + (30 + i) * 86_400_000),
        })
      ).id;
    }
  });
  afterAll(() => database.destroy());

  const newestFirst = (list: typeof garcias) =>
    [...list].sort((a, b) => b.at - a.at).map((g) => g.id);

  async function allPages(q: string, limit: number, extra: Partial<ApplicationFilters> = {}) {
    const pages: string[][] = [];
    let after: ApplicationFilters["after"] = null;
    for (let page = 0; page < 20; page++) {
      const result = await listApplications(database, { ...noFilters, q, after, ...extra }, limit);
      pages.push(result.rows.map((r) => r.id));
      if (!result.next) break;
      after = decodeCursor(encodeCursor(result.next));
    }
    return pages;
  }

  it("lists the most recent whole-name matches first; the next page continues without repeats", async () => {
    const pages = await allPages("Garcia", 3);
    expect(pages[0]).toEqual(newestFirst(garcias).slice(0, 3));
    expect(pages[1]).toEqual(newestFirst(garcias).slice(3, 6));
    const seen = pages.flat();
    expect(new Set(seen).size).toBe(seen.length);
    // Every Garcia by date, then the others by rank: an e-mail, the start of a name, a typo.
    expect(seen).toEqual([...newestFirst(garcias), others.email, others.prefix, others.typo]);
  });

  it("a page the exact matches do not fill goes on with the ranked matches", async () => {
    const [first, second] = await allPages("garcia", 5);
    expect(first).toEqual(newestFirst(garcias).slice(0, 5));
    expect(second).toEqual([
      ...newestFirst(garcias).slice(5),
      others.email,
      others.prefix,
      others.typo,
    ]);
  });

  it("a first and a last name: the people with both names first, by date", async () => {
    const marias = garcias.filter((g) => g.first === "Maria");
    const [first] = await allPages("maria garcia", 3);
    expect(first).toEqual(newestFirst(marias));
    const [next] = await allPages("Garcia Maria", 2);
    expect(next).toEqual(newestFirst(marias).slice(0, 2));
  });

  it("applies the list's filters to the whole-name matches", async () => {
    const declined = garcias.filter((_, i) => i % 2 === 0);
    const [first] = await allPages("garcia", 10, { status: "declined" });
    expect(first).toEqual(newestFirst(declined));
  });

  it("follows a rename and a deletion in the write's own transaction", async () => {
    const { id, customerId } = await insertApplication(database, {
      merchantId,
      firstName: "Rosa",
      lastName: "Parks",
      createdAt: new Date(t0 + 60 * 86_400_000),
    });
    expect((await listApplications(database, { ...noFilters, q: "parks" }, 1)).rows[0]?.id).toBe(
      id,
    );
    await database.write((tx) =>
      tx.update(customers).set({ lastName: "Garcia" }).where(eq(customers.id, customerId)),
    );
    expect((await allPages("parks", 5)).flat()).toEqual([]);
    expect((await allPages("garcia", 1))[0]).toEqual([id]);
    await database.write((tx) => tx.delete(applications).where(eq(applications.id, id)));
    expect((await allPages("garcia", 1))[0]).toEqual(newestFirst(garcias).slice(0, 1));
    const left = await database.db.all<{ n: number }>(
      sql`SELECT count(*) AS n FROM application_search_name_dates WHERE application_id = ${id}`,
    );
    expect(left[0]?.n).toBe(0);
  });
});

describe("migration 0047 backfills the whole-name index", () => {
  it("lists applications created before it by date", async () => {
    const database = await databaseBeforeMigration("0047_search_name_recency");
    try {
      const at = Date.UTC(2026, 10, 1);
      await database.write(async (tx) => {
        await tx.run(sql`INSERT INTO merchants (id, name, slug, created_at, updated_at)
          VALUES ('mer_before0047', 'Acme Pest Control', 'acme-before-0047', ${at}, ${at})`);
        for (const [i, [first, last]] of [
          ["Nguyen", "Nguyen"],
          ["Linh", "Nguyen"],
          ["Bao", "Tran"],
        ].entries()) {
          await tx.run(sql`INSERT INTO customers (id, merchant_id, crm_customer_id, first_name, last_name, email, phone, created_at, updated_at)
            VALUES (${`cus_old${i}`}, 'mer_before0047', ${String(600 + i)}, ${first}, ${last}, NULL, '+17575550186', ${at}, ${at})`);
          await tx.run(sql`INSERT INTO service_jobs (id, merchant_id, customer_id, crm_job_id, estimate_cents, created_at, updated_at)
            VALUES (${`job_old${i}`}, 'mer_before0047', ${`cus_old${i}`}, ${String(700 + i)}, 800000, ${at}, ${at})`);
          await tx.run(sql`INSERT INTO applications (id, merchant_id, customer_id, service_job_id, crm, status, amount_cents, created_at, updated_at)
            VALUES (${`app_old${i}`}, 'mer_before0047', ${`cus_old${i}`}, ${`job_old${i}`}, 'fieldroutes', 'link_sent', 800000, ${at + i * 1000}, ${at})`);
        }
      });
      await database.migrateRest();
      const rows = await database.db.all<{ term: string; application_id: string }>(
        sql`SELECT term, application_id FROM application_search_name_dates ORDER BY term, created_at`,
      );
      // One row per distinct whole name of each application ("Nguyen Nguyen" has one).
      expect(rows.map((r) => `${r.term}:${r.application_id}`)).toEqual([
        "bao:app_old2",
        "linh:app_old1",
        "nguyen:app_old0",
        "nguyen:app_old1",
        "tran:app_old2",
      ]);
      const found = await listApplications(database, { ...noFilters, q: "Nguyen" });
      expect(found.rows.map((r) => r.id)).toEqual(["app_old1", "app_old0"]);
    } finally {
      database.destroy();
    }
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

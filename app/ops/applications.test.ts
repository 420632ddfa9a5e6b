import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applications, customers, serviceJobs } from "~/db/schema/index";
import { createTestDatabase, databaseBeforeMigration } from "~/db/testing";
import {
  decodeCursor,
  encodeCursor,
  ftsQuery,
  listSearch,
  maskDateOfBirth,
  maskSsn,
  parseFilters,
  formatSsn,
  type ApplicationFilters,
} from "./applications";
import { insertApplication, insertMerchant } from "./applications-fixtures";
import { listApplications } from "./applications.server";

const noFilters: ApplicationFilters = {
  q: "",
  status: null,
  merchantId: null,
  from: null,
  to: null,
  after: null,
};

describe("list inputs", () => {
  it("cursors round-trip and reject anything else", () => {
    const cursor = { createdAt: 1_795_000_000_123, id: "app_01kb2c3d4e5f6g7h8j9k0m1n2p" };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
    for (const bad of [
      "",
      "x",
      "123",
      "12.app_x",
      "-1.app_01kb2c3d4e5f6g7h8j9k0m1n2p",
      "1.app_01kb'--",
    ]) {
      expect(decodeCursor(bad)).toBeNull();
    }
  });

  it("filters from the query string; malformed values are dropped and reported", () => {
    const { filters, errors } = parseFilters(
      new URLSearchParams(
        "q=%20Jamie%20&status=approved&merchant=mer_01kb2c3d4e5f6g7h8j9k0m&from=2026-11-01&to=nope",
      ),
    );
    expect(filters).toMatchObject({
      q: "Jamie",
      status: "approved",
      merchantId: "mer_01kb2c3d4e5f6g7h8j9k0m",
      from: "2026-11-01",
      to: null,
    });
    expect(errors).toEqual(["“Created to” must be a date (YYYY-MM-DD)."]);
    expect(parseFilters(new URLSearchParams("status=bogus")).filters.status).toBeNull();
    expect(listSearch({ ...filters, to: null }, { createdAt: 5, id: "app_x" })).toBe(
      "?q=Jamie&status=approved&merchant=mer_01kb2c3d4e5f6g7h8j9k0m&from=2026-11-01&after=5.app_x",
    );
    expect(listSearch(noFilters, null)).toBe("");
  });

  it("FTS expressions: quoted prefix words; phone numbers as digits; syntax is inert", () => {
    expect(ftsQuery("Jamie Riv")).toBe('"Jamie"* "Riv"*');
    expect(ftsQuery("(512) 555-0142")).toBe('"5125550142"*');
    expect(ftsQuery("+1 512 555 0142")).toBe('"15125550142"*');
    expect(ftsQuery('jamie" OR name:*')).toBe('"jamie"* "OR"* "name:*"*');
    expect(ftsQuery("  - * ( ")).toBeNull();
    expect(ftsQuery("")).toBeNull();
  });

  it("masks", () => {
    expect(maskSsn("1234")).toBe("•••••1234");
    expect(maskSsn(null)).toBe("—");
    expect(maskDateOfBirth("1985-04-12")).toBe("••/••/1985");
    expect(maskDateOfBirth(null)).toBe("—");
    expect(formatSsn("123456789")).toBe("123-45-6789");
  });
});

describe("search (FTS5) and keyset pagination on a real database", () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let merchantA = "";
  let merchantB = "";
  const ids: Record<string, string> = {};
  const t0 = Date.UTC(2026, 10, 1, 12);

  beforeAll(async () => {
    database = await createTestDatabase();
    merchantA = await insertMerchant(database, "Acme Pest Control");
    merchantB = await insertMerchant(database, "Bolt Plumbing");
    const people = [
      {
        key: "rivera",
        firstName: "Jamie",
        lastName: "Rivera",
        email: "jamie.r@example.com",
        phone: "+15125550142",
        crmCustomerId: "CUS-ALPHA-1",
        crmJobId: "JOB-77",
        merchantId: merchantA,
        status: "approved" as const,
        day: 0,
      },
      {
        key: "chen",
        firstName: "Jamie",
        lastName: "Chen",
        email: "jchen@example.org",
        phone: "+15125550100",
        crmCustomerId: "CUS-BETA-2",
        crmJobId: "JOB-78",
        merchantId: merchantA,
        status: "declined" as const,
        day: 1,
      },
      {
        key: "nunez",
        firstName: "José",
        lastName: "Núñez",
        email: null,
        phone: "+17375550199",
        crmCustomerId: "99123",
        crmJobId: "JOB-79",
        merchantId: merchantB,
        status: "approved" as const,
        day: 2,
      },
    ];
    for (const p of people) {
      const { key, day, ...fixture } = p;
      ids[key] = (
        await insertApplication(database, {
          ...fixture,
          createdAt: new Date(t0 + day * 86_400_000),
        })
      ).id;
    }
  });
  afterAll(() => database.destroy());

  const search = async (q: string, extra: Partial<ApplicationFilters> = {}) =>
    (await listApplications(database, { ...noFilters, q, ...extra })).rows.map((r) => r.id).sort();

  it("finds by name (prefix, any order, accents folded), e-mail, phone however written, CRM ids", async () => {
    expect(await search("jamie")).toEqual([ids.rivera, ids.chen].sort());
    expect(await search("riv")).toEqual([ids.rivera]);
    expect(await search("rivera jamie")).toEqual([ids.rivera]);
    expect(await search("jose nunez")).toEqual([ids.nunez]);
    expect(await search("JAMIE.R@EXAMPLE.COM")).toEqual([ids.rivera]);
    expect(await search("example.org")).toEqual([ids.chen]);
    for (const phone of [
      "(512) 555-0142",
      "+1 512 555 0142",
      "512-555-0142",
      "5125550142",
      "555-0142",
    ]) {
      expect(await search(phone), phone).toEqual([ids.rivera]);
    }
    expect(await search("+1 (737) 555-0199")).toEqual([ids.nunez]);
    expect(await search("CUS-ALPHA-1")).toEqual([ids.rivera]);
    expect(await search("JOB-78")).toEqual([ids.chen]);
    expect(await search("99123")).toEqual([ids.nunez]);
    expect(await search(ids.chen!)).toEqual([ids.chen]);
    expect(await search("nobody")).toEqual([]);
  });

  it("FTS syntax typed by an operator neither fails nor widens the search", async () => {
    for (const q of [
      '"',
      'jamie" OR "chen',
      "NEAR(jamie chen)",
      "*",
      "jamie -chen",
      "name:riv",
      "' OR 1=1 --",
    ]) {
      await expect(search(q), q).resolves.toBeInstanceOf(Array);
    }
    expect(await search('jamie" OR "chen')).toEqual([ids.chen]);
    expect(await search("***")).toEqual([]);
  });

  it("combines search with status, merchant and created-date filters", async () => {
    expect(await search("jamie", { status: "approved" })).toEqual([ids.rivera]);
    expect(await search("", { merchantId: merchantB })).toEqual([ids.nunez]);
    expect(await search("", { from: "2026-11-02", to: "2026-11-02" })).toEqual([ids.chen]);
    expect(await search("", { from: "2026-11-02" })).toEqual([ids.chen, ids.nunez].sort());
    expect(await search("jamie", { to: "2026-11-01" })).toEqual([ids.rivera]);
  });

  it("triggers keep the index in step with customer and job changes, and with deletes", async () => {
    const rivera = await database.db.query.applications.findFirst({
      where: eq(applications.id, ids.rivera!),
    });
    await database.write((tx) =>
      tx
        .update(customers)
        .set({ lastName: "Rivera-Stone", phone: "+15125550777" })
        .where(eq(customers.id, rivera!.customerId)),
    );
    expect(await search("stone")).toEqual([ids.rivera]);
    expect(await search("555-0777")).toEqual([ids.rivera]);
    expect(await search("555-0142")).toEqual([]);
    // An upsert that changes nothing searched leaves the row alone (and never duplicates it).
    await database.write((tx) =>
      tx.update(customers).set({ city: "Austin" }).where(eq(customers.id, rivera!.customerId)),
    );
    await database.write((tx) =>
      tx
        .update(serviceJobs)
        .set({ crmJobId: "JOB-770" })
        .where(eq(serviceJobs.id, rivera!.serviceJobId)),
    );
    expect(await search("JOB-770")).toEqual([ids.rivera]);
    expect(await search("stone")).toEqual([ids.rivera]);

    const extra = await insertApplication(database, {
      merchantId: merchantA,
      firstName: "Temporary",
      lastName: "Person",
    });
    expect(await search("temporary")).toEqual([extra.id]);
    await database.write((tx) => tx.delete(applications).where(eq(applications.id, extra.id)));
    expect(await search("temporary")).toEqual([]);

    const counts = await database.db.get<{ fts: number; apps: number }>(
      sql`SELECT (SELECT count(*) FROM application_search) AS fts, (SELECT count(*) FROM applications) AS apps`,
    );
    expect(counts!.fts).toBe(counts!.apps);
  });

  it("keyset pages: newest first, ties broken by id, no gaps or repeats even as rows arrive", async () => {
    const merchant = await insertMerchant(database, "Paging Co");
    const base = Date.UTC(2026, 9, 1);
    // Seven applications; three share one created_at.
    const created: string[] = [];
    for (const offset of [0, 1, 2, 2, 2, 3, 4]) {
      created.push(
        (
          await insertApplication(database, {
            merchantId: merchant,
            createdAt: new Date(base + offset * 1000),
          })
        ).id,
      );
    }
    const expected = created
      .map((id, i) => ({ id, at: base + [0, 1, 2, 2, 2, 3, 4][i]! * 1000 }))
      .sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : -1))
      .map((r) => r.id);

    const seen: string[] = [];
    let after: ApplicationFilters["after"] = null;
    let pages = 0;
    do {
      const page = await listApplications(
        database,
        { ...noFilters, merchantId: merchant, after },
        3,
      );
      seen.push(...page.rows.map((r) => r.id));
      after = page.next;
      pages += 1;
      // A new application arriving mid-way lands before the cursor: it never shifts later pages.
      if (pages === 1)
        await insertApplication(database, {
          merchantId: merchant,
          createdAt: new Date(base + 10_000),
        });
    } while (after && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual(expected);
  });

  it("a page that ends exactly at the last row has no next page", async () => {
    const merchant = await insertMerchant(database, "Exact Co");
    for (let i = 0; i < 2; i++) await insertApplication(database, { merchantId: merchant });
    const page = await listApplications(database, { ...noFilters, merchantId: merchant }, 2);
    expect(page.rows).toHaveLength(2);
    expect(page.next).toBeNull();
  });
});

describe("migration 0008 backfills applications that existed before it", () => {
  it("indexes rows created before the migration, then keeps new ones in step", async () => {
    const database = await databaseBeforeMigration("0008_applications_search");
    try {
      // Raw SQL with the columns of that time: today's schema has columns later migrations add.
      const merchantId = "mer_01hzbeforemigration0008aaaa";
      const old = { id: "app_01hzbeforemigration0008aaaa" };
      const at = Date.now();
      await database.write(async (tx) => {
        await tx.run(sql`INSERT INTO merchants (id, name, slug, created_at, updated_at)
          VALUES (${merchantId}, 'Acme Pest Control', 'acme-before-0008', ${at}, ${at})`);
        await tx.run(sql`INSERT INTO customers (id, merchant_id, crm_customer_id, first_name, last_name, email, phone, created_at, updated_at)
          VALUES ('cus_old', ${merchantId}, 'CUS-OLD', 'Ada', 'Lovelace', 'ada@example.com', '+15125550111', ${at}, ${at})`);
        await tx.run(sql`INSERT INTO service_jobs (id, merchant_id, customer_id, crm_job_id, estimate_cents, created_at, updated_at)
          VALUES ('job_old', ${merchantId}, 'cus_old', 'JOB-OLD', 800000, ${at}, ${at})`);
        await tx.run(sql`INSERT INTO applications (id, merchant_id, customer_id, service_job_id, crm, status, amount_cents, created_at, updated_at)
          VALUES (${old.id}, ${merchantId}, 'cus_old', 'job_old', 'fieldroutes', 'link_sent', 800000, ${at}, ${at})`);
      });
      await database.migrateRest();
      const found = await listApplications(database, { ...noFilters, q: "lovelace" });
      expect(found.rows.map((r) => r.id)).toEqual([old.id]);
      expect((await listApplications(database, { ...noFilters, q: "555-0111" })).rows).toHaveLength(
        1,
      );
      const fresh = await insertApplication(database, {
        merchantId,
        firstName: "Grace",
        lastName: "Hopper",
      });
      expect(
        (await listApplications(database, { ...noFilters, q: "hopper" })).rows.map((r) => r.id),
      ).toEqual([fresh.id]);
    } finally {
      database.destroy();
    }
  });
});

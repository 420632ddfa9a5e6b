import type { InStatement, InValue } from "@libsql/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newId } from "~/db/ids";
import { crmSyncLogs, loans, manualReviews, outbox } from "~/db/schema/index";
import { createTestDatabase } from "~/db/testing";
import { applicationView } from "~/app/crm/applications.server";
import { merchantScope } from "~/app/crm/merchant-scope.server";
import { portalScope } from "~/app/merchant/scope.server";
import {
  insertApplication,
  insertDecision,
  insertMerchant,
  insertOffer,
} from "./applications-fixtures";
import type { ApplicationFilters } from "./applications";
import { listApplications, loadApplicationDetail } from "./applications.server";
import { loadDashboard } from "./dashboard.server";
import { parseRange } from "./dashboard-funnel";
import { loadJobsMonitor } from "./jobs.server";
import { loadReviewEvidence } from "./review-evidence.server";
import { listQueue, loadReview } from "./reviews.server";
import { listWaitingForBorrower } from "./waiting-reviews.server";

/**
 * The query plans of the pages issue 19 measured (ADR 072): every statement the real page
 * functions send is captured at the libSQL client and explained. A page must never read a whole
 * history table (a full SCAN — with or without a covering index — of applications, decisions,
 * offers, outbox, CRM call logs or audit records), and a list that reads one page must read it
 * in index order (no temp B-tree for its ORDER BY): either is a cost that grows with the table.
 */
const historyTables = [
  "applications",
  "decisions",
  "offers",
  "outbox",
  "crm_sync_logs",
  "audit_logs",
  "messages",
  "manual_reviews",
  "loans",
];

type Captured = { sql: string; args: InValue[] };
type Plan = { sql: string; detail: string[] };

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let captured: Captured[] = [];
let execute: (stmt: InStatement) => Promise<{ rows: Record<string, unknown>[] }>;

/** Runs `page` and returns the plan of every statement it sent. */
async function plansOf(page: () => Promise<unknown>): Promise<Plan[]> {
  captured = [];
  await page();
  const statements = captured;
  captured = [];
  const plans: Plan[] = [];
  for (const statement of statements) {
    if (!/^\s*(select|with)\b/i.test(statement.sql)) continue;
    const result = await execute({
      sql: `EXPLAIN QUERY PLAN ${statement.sql}`,
      args: statement.args,
    });
    plans.push({ sql: statement.sql, detail: result.rows.map((row) => String(row.detail)) });
    // PRINT_PLANS=1 prints them (ADR 072 quotes this output).
    if (process.env.PRINT_PLANS)
      console.log(
        `${statement.sql.replace(/\s+/g, " ").slice(0, 160)}\n  ${plans.at(-1)!.detail.join("\n  ")}`,
      );
  }
  return plans;
}

/** The aliases a statement gives the history tables ("decisions d" → d is decisions). */
function historyNames(statementSql: string): Set<string> {
  const names = new Set(historyTables);
  const aliasPattern = /\b(?:from|join)\s+"?(\w+)"?\s+(?:as\s+)?"?(\w+)"?/gi;
  for (const match of statementSql.matchAll(aliasPattern)) {
    const [, table, alias] = match;
    if (table && alias && historyTables.includes(table)) names.add(alias);
  }
  return names;
}

/**
 * Sorts that are bounded by design, not by the table: the jobs running now (at most the
 * runners' concurrency) are ordered by their claim.
 */
const boundedSorts = [
  /FROM outbox\s+WHERE state = 'running' ORDER BY updated_at, id LIMIT/,
  // The dashboard's top merchants: one summed row per merchant (rollups, ADR 079), not history.
  /FROM merchant_daily_rollups r INDEXED BY merchant_daily_rollups_day_idx[\s\S]*GROUP BY r\.merchant_id\s+ORDER BY volume DESC/,
  // A name search's whole-name tier (ADR 089): the page of index entries it read (at most
  // exactWalkCap), in order again after the join.
  /FROM application_search_name_dates WHERE term = \?[\s\S]*LIMIT \?\) AS w[\s\S]*ORDER BY w\.created_at DESC/,
];

/**
 * What is wrong with a plan: a full scan of history, or sorting every matching row to show one
 * page. The one scan allowed is the unfiltered first page read in index order (ORDER BY on an
 * index, LIMIT, no WHERE): it stops after a page.
 */
function problems(plans: Plan[]): string[] {
  const found: string[] = [];
  for (const plan of plans) {
    const names = historyNames(plan.sql);
    const readsAPage = /\blimit\b/i.test(plan.sql);
    const sorts = plan.detail.some((line) => /USE TEMP B-TREE FOR .*ORDER BY/.test(line));
    const orderedFirstPage =
      readsAPage && !sorts && /\border by\b/i.test(plan.sql) && !/\bwhere\b/i.test(plan.sql);
    for (const line of plan.detail) {
      const scan = /^SCAN (\w+)/.exec(line);
      const index = / USING (?:COVERING )?INDEX (\w+)/.exec(line)?.[1];
      // A partial index holds only the open reviews, the dead jobs, …: reading it whole reads
      // the current work, not the history.
      const bounded = index !== undefined && (orderedFirstPage || partialIndexes.has(index));
      if (scan && names.has(scan[1]!) && !bounded) found.push(`${line}\n    in: ${plan.sql}`);
      if (
        readsAPage &&
        /USE TEMP B-TREE FOR .*ORDER BY/.test(line) &&
        !boundedSorts.some((pattern) => pattern.test(plan.sql))
      )
        found.push(`${line}\n    in: ${plan.sql}`);
    }
  }
  return found;
}

const filters = (given: Partial<ApplicationFilters> = {}): ApplicationFilters => ({
  q: "",
  status: null,
  merchantId: null,
  from: null,
  to: null,
  after: null,
  ...given,
});

let partialIndexes = new Set<string>();
let merchantId: string;
let fundedId: string;
const now = Date.UTC(2026, 11, 7, 12, 0, 0);
const day = 86_400_000;

beforeAll(async () => {
  database = await createTestDatabase();
  // Capture at the client that drizzle and the raw calls share. The instrumented client
  // (db/instrument.ts) calls its target's `execute` at call time: an own property set on the
  // target wraps the class's method for every caller. The plans are explained through the same
  // client with capturing paused.
  type Execute = (stmt: InStatement | string, args?: InValue[]) => Promise<unknown>;
  const client = database.client as unknown as { execute: Execute };
  const method = (Object.getPrototypeOf(client) as { execute: Execute }).execute;
  let capturing = true;
  client.execute = function (this: unknown, stmt, args) {
    if (capturing) {
      if (typeof stmt === "string") captured.push({ sql: stmt, args: args ?? [] });
      else captured.push({ sql: stmt.sql, args: (stmt.args ?? []) as InValue[] });
    }
    return method.call(this, stmt, args);
  };
  execute = async (stmt) => {
    capturing = false;
    try {
      return (await client.execute(stmt)) as { rows: Record<string, unknown>[] };
    } finally {
      capturing = true;
    }
  };

  const indexes = await execute(
    "SELECT name FROM sqlite_master WHERE type = 'index' AND sql LIKE '% WHERE %'",
  );
  partialIndexes = new Set(indexes.rows.map((row) => String(row.name)));

  merchantId = await insertMerchant(database);
  // A few rows of each kind, so every branch of the pages runs (the plan does not depend on
  // the row count: no ANALYZE statistics, as in production).
  for (let i = 0; i < 5; i++) {
    const at = new Date(now - i * 40 * day);
    const app = await insertApplication(database, {
      merchantId,
      status: i === 0 ? "funded" : i === 1 ? "manual_review" : "declined",
      createdAt: at,
      submittedAt: at,
      decidedAt: new Date(at.getTime() + 60_000),
    });
    const decisionId = await insertDecision(database, {
      applicationId: app.id,
      status: i === 0 ? "approved" : i === 1 ? "manual_review" : "declined",
      decidedAt: new Date(at.getTime() + 60_000),
    });
    if (i === 0) {
      fundedId = app.id;
      const offerId = await insertOffer(database, {
        decisionId,
        applicationId: app.id,
        amountFinancedCents: 500_000,
        selectedAt: new Date(at.getTime() + 120_000),
      });
      await database.write((tx) =>
        tx.insert(loans).values({
          id: newId("loan"),
          applicationId: app.id,
          offerId,
          merchantId,
          lender: "mock",
          status: "funded",
          principalCents: 500_000,
          amountCents: 500_000,
          merchantFeeCents: 15_000,
          disbursementCents: 485_000,
          paymentSchedule: [],
          fundedAmountCents: 500_000,
          fundedAt: new Date(at.getTime() + 3_600_000),
        } as typeof loans.$inferInsert),
      );
    }
    if (i === 1) {
      await database.write((tx) =>
        tx.insert(manualReviews).values({
          id: newId("rev"),
          applicationId: app.id,
          decisionId,
          reason: "thin file",
          createdAt: at,
        } as typeof manualReviews.$inferInsert),
      );
    }
    await database.write(async (tx) => {
      await tx.insert(crmSyncLogs).values({
        id: newId("csl"),
        merchantId,
        applicationId: app.id,
        crm: "fieldroutes",
        operation: "update_status",
        outcome: i % 2 ? "error" : "ok",
        error: i % 2 ? "HTTP 500" : null,
        createdAt: at,
      });
      await tx.insert(outbox).values({
        kind: "decide-application",
        payload: JSON.stringify({ applicationId: app.id }),
        priority: 2,
        state: i === 2 ? "dead" : "completed",
        runAt: at.getTime(),
        lastError: i === 2 ? "boom" : null,
        createdAt: at.getTime(),
        updatedAt: at.getTime(),
      });
    });
  }
});

afterAll(() => database?.destroy());

describe("query plans of the pages that must not grow with history (ADR 072)", () => {
  it("recognizes a full scan and a sort of every row (the check can fail)", async () => {
    const plans = await plansOf(() =>
      database.client.execute(
        "SELECT id FROM applications a WHERE amount_cents > 0 ORDER BY amount_cents LIMIT 50",
      ),
    );
    expect(problems(plans)).toHaveLength(2);
  });

  it("FlowOps dashboard", async () => {
    for (const days of ["7", "90"]) {
      const range = parseRange(new URLSearchParams({ range: days }), now).range;
      const plans = await plansOf(() => loadDashboard(database, now, range));
      expect(plans.length).toBeGreaterThanOrEqual(8);
      expect(problems(plans)).toEqual([]);
      // Its figures come from the rollups, not from applications, decisions, offers or loans —
      // except funding aging, which reads the partial index of the applications signed and not
      // yet funded (current work) and each one's selected offer by primary key (ADR 079).
      expect(plans.some((plan) => /\bdaily_rollups\b/.test(plan.sql))).toBe(true);
      expect(plans.some((plan) => /\bmerchant_daily_rollups\b/.test(plan.sql))).toBe(true);
      const history = plans.filter((plan) =>
        /\b(from|join) "?(applications|decisions|offers|loans)\b/i.test(plan.sql),
      );
      expect(history.map((plan) => plan.sql)).toHaveLength(1);
      expect(history[0]!.sql).toMatch(/INDEXED BY applications_awaiting_funding_idx/);
      expect(history[0]!.detail.join("\n")).toMatch(
        /SCAN applications USING INDEX applications_awaiting_funding_idx[\s\S]*SEARCH o USING INDEX sqlite_autoindex_offers_1 \(id=\?\)/,
      );
    }
  });

  it("one funded application's detail and timeline", async () => {
    const plans = await plansOf(async () => {
      const detail = await loadApplicationDetail(database, fundedId);
      expect(detail?.loan?.status).toBe("funded");
      expect(detail?.timeline.some((event) => event.source === "job")).toBe(true);
    });
    expect(problems(plans)).toEqual([]);
  });

  it("review queue: a page, the next page, the capped counts (ADR 089)", async () => {
    const plans = await plansOf(async () => {
      const queue = await listQueue(database);
      expect(queue.items).toHaveLength(1);
      const [item] = queue.items;
      const after = {
        dueAt: item!.dueAt.getTime(),
        amountCents: item!.amountCents,
        priority: item!.priority,
        id: item!.id,
      };
      expect((await listQueue(database, 25, undefined, { after })).items).toEqual([]);
    });
    expect(problems(plans)).toEqual([]);
    const counts = plans.filter((p) => /SELECT count\(\*\)/.test(p.sql));
    expect(counts.length).toBeGreaterThanOrEqual(3);
    for (const plan of counts) {
      expect(plan.sql).toMatch(/LIMIT \?\)$/);
      expect(plan.detail.join("\n")).toMatch(
        /manual_reviews USING (COVERING )?INDEX manual_reviews_open_idx/,
      );
    }
    for (const plan of plans.filter((p) => /created_at" >= \?/.test(p.sql))) {
      expect(plan.detail.join("\n")).toMatch(
        /SEARCH manual_reviews USING INDEX manual_reviews_open_idx \(priority=\? AND created_at>\?\)/,
      );
    }
  });

  it("reviews waiting for the borrower", async () => {
    const plans = await plansOf(async () => {
      const waiting = await listWaitingForBorrower(database);
      expect(waiting.total).toBe(0);
    });
    expect(problems(plans)).toEqual([]);
  });

  it("review workspace: documents, the same person's applications, the latest re-pull", async () => {
    const [first] = (await listQueue(database)).items;
    const loaded = await loadReview(database, first!.id);
    const plans = await plansOf(() =>
      loadReviewEvidence(database, loaded!, { creditEvidence: true }),
    );
    expect(problems(plans)).toEqual([]);
  });

  it("applications: first page, by status, by merchant, and the next page", async () => {
    const plans = await plansOf(async () => {
      const first = await listApplications(database, filters(), 2);
      await listApplications(database, filters({ status: "declined" }), 2);
      await listApplications(database, filters({ merchantId }), 2);
      await listApplications(database, filters({ merchantId, status: "declined" }), 2);
      expect(first.next).not.toBeNull();
      await listApplications(database, filters({ after: first.next! }), 2);
    });
    expect(problems(plans)).toEqual([]);
  });

  it("search: a common name's pages from the whole-name index, never the ranked candidates", async () => {
    // Every fixture application is Dana Rivera's: the tier fills each page of 2.
    const plans = await plansOf(async () => {
      const first = await listApplications(database, filters({ q: "Rivera" }), 2);
      expect(first.rows).toHaveLength(2);
      await listApplications(database, filters({ q: "rivera", after: first.next! }), 2);
      await listApplications(database, filters({ q: "Dana Rivera" }), 2);
      await listApplications(database, filters({ q: "rivera", merchantId }), 2);
    });
    expect(problems(plans)).toEqual([]);
    expect(plans.some((p) => /application_search_(trigram|rows)\b/.test(p.sql))).toBe(false);
    for (const plan of plans.filter((p) => /AS w\b/.test(p.sql))) {
      expect(plan.detail.join("\n")).toMatch(
        /SEARCH application_search_name_dates USING PRIMARY KEY \(term=\?/,
      );
      // The index page drives the join (CROSS JOIN): never a walk of applications by a filter.
      expect(plan.detail.join("\n")).toMatch(
        /SCAN w\n[\s\S]*SEARCH applications USING INDEX sqlite_autoindex_applications_1 \(id=\?\)/,
      );
    }
  });

  it("applications: the dashboard's drill-downs (funnel step, range, merchant, funding age)", async () => {
    const range = { from: "2026-09-01", to: "2026-12-07" };
    const plans = await plansOf(async () => {
      for (const stage of ["opened", "submitted", "decided", "signed", "funded"] as const) {
        await listApplications(database, filters({ stage, ...range }), 2);
        await listApplications(database, filters({ stage }), 2);
      }
      await listApplications(database, filters(range), 2);
      await listApplications(database, filters({ merchantId, ...range }), 2);
      await listApplications(database, filters({ aging: "any" }), 2, now);
      await listApplications(database, filters({ aging: "d3" }), 2, now);
      await listApplications(database, filters({ aging: "d14" }), 2, now);
    });
    expect(problems(plans)).toEqual([]);
    // Each funnel step reads its own partial index, in the list's order (no sort).
    const used = plans.flatMap((plan) => plan.detail).join("\n");
    for (const n of [1, 2, 3, 4, 5])
      expect(used).toMatch(new RegExp(`applications_stage${n}_idx \\(\\(?created_at`));
    expect(used).toMatch(/applications_awaiting_funding_idx/);
  });

  it("jobs monitor", async () => {
    const plans = await plansOf(async () => {
      const monitor = await loadJobsMonitor(database);
      expect(monitor.stats.totals.dead).toBe(1);
    });
    expect(problems(plans)).toEqual([]);
  });

  it("CRM status route", async () => {
    const plans = await plansOf(async () => {
      const view = await applicationView(database, merchantScope(merchantId), fundedId);
      expect(view?.status).toBe("funded");
    });
    expect(problems(plans)).toEqual([]);
  });

  it("merchant portal: overview (from its rollups, ADR 079) and the applications list", async () => {
    const scope = portalScope(merchantId);
    const plans = await plansOf(async () => {
      const overview = await scope.overview(database.db);
      expect(overview.funnel.sent).toBe(5);
      const page = await scope.applicationsPage(database.db, { limit: 2 });
      await scope.applicationsPage(database.db, { limit: 2, status: "declined" });
      await scope.applicationsPage(database.db, { limit: 2, after: page.next! });
    });
    expect(problems(plans)).toEqual([]);
    // The overview reads the merchant's rollups only: no statement before the list's touches
    // applications or loans.
    const overview = await plansOf(() => scope.overview(database.db));
    expect(overview.map((plan) => plan.detail.join("\n"))).toEqual([
      expect.stringMatching(/^SEARCH merchant_daily_rollups USING (COVERING )?INDEX/),
    ]);
  });
});

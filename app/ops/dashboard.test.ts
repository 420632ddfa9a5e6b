import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newId } from "~/db/ids";
import { crmSyncLogs, loans, manualReviews, operators } from "~/db/schema/index";
import { createTestDatabase } from "~/db/testing";
import {
  insertApplication,
  insertDecision,
  insertMerchant,
  insertOffer,
} from "./applications-fixtures";
import {
  approvalRate,
  dayLabel,
  decisionSeries,
  fillDays,
  formatDuration,
  formatPercent,
  percentile,
  utcDay,
} from "./dashboard";
import { loadDashboard, type Dashboard } from "./dashboard.server";
import { parseRange } from "./dashboard-funnel";

describe("dashboard arithmetic", () => {
  it("percentile by nearest rank: always an observed value", () => {
    const values = [5, 1, 4, 2, 3];
    expect(percentile(values, 50)).toBe(3);
    expect(percentile(values, 95)).toBe(5);
    expect(percentile(values, 100)).toBe(5);
    expect(percentile(values, 1)).toBe(1);
    expect(percentile([7], 50)).toBe(7);
    expect(percentile([10, 20], 50)).toBe(10);
    expect(percentile([], 50)).toBeNull();
    expect(() => percentile([1], 0)).toThrow(RangeError);
    expect(values).toEqual([5, 1, 4, 2, 3]); // not sorted in place
  });

  it("fills days without rows with zero, oldest first, labelled by UTC date", () => {
    const today = utcDay(Date.UTC(2026, 10, 27, 23, 59));
    expect(dayLabel(today)).toBe("Nov 27");
    const series = fillDays(
      [
        { day: today, count: 3 },
        { day: today - 2, count: 1 },
      ],
      today,
      4,
    );
    expect(series.map((d) => [d.label, d.value])).toEqual([
      ["Nov 24", 0],
      ["Nov 25", 1],
      ["Nov 26", 0],
      ["Nov 27", 3],
    ]);
  });

  it("approval rate ignores applications still in review; formats", () => {
    expect(approvalRate({ approved: 2, declined: 1 })).toBeCloseTo(2 / 3);
    expect(approvalRate({ approved: 0, declined: 0 })).toBeNull();
    expect(formatPercent(2 / 3)).toBe("67%");
    expect(formatPercent(null)).toBe("—");
    expect(decisionSeries({ declined: 2 }).map((d) => [d.label, d.value, d.tone])).toEqual([
      ["Approved", 0, "approved"],
      ["Declined", 2, "declined"],
      ["In manual review", 0, "manual_review"],
    ]);
  });

  it("durations read the way people say them", () => {
    expect(formatDuration(null)).toBe("—");
    expect(formatDuration(850)).toBe("850 ms");
    expect(formatDuration(42_000)).toBe("42 s");
    expect(formatDuration(120_000)).toBe("2 min");
    expect(formatDuration(185_000)).toBe("3 min 5 s");
    expect(formatDuration(3_630_000)).toBe("1 h");
    expect(formatDuration(7_800_000)).toBe("2 h 10 min");
    expect(formatDuration(3 * 86_400_000 + 4 * 3_600_000)).toBe("3 d 4 h");
  });
});

describe("loadDashboard over a real database", () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let dashboard: Dashboard;
  let fortnight: Dashboard;
  const now = Date.UTC(2026, 10, 27, 15, 0, 0);
  const at = (msAgo: number) => new Date(now - msAgo);
  const minute = 60_000;
  const hour = 60 * minute;
  const day = 24 * hour;

  beforeAll(async () => {
    database = await createTestDatabase();
    const merchantId = await insertMerchant(database);
    const operatorId = newId("op");
    await database.write((tx) =>
      tx.insert(operators).values({
        id: operatorId,
        email: "uw@flowpay.test",
        name: "Uma Underwriter",
        role: "underwriter",
        passwordHash: "x",
      }),
    );

    // a1: today, approved a minute after submitting, signed and funded.
    const a1 = await insertApplication(database, {
      merchantId,
      status: "funded",
      createdAt: at(hour),
      submittedAt: at(50 * minute),
      decidedAt: at(49 * minute),
    });
    const d1 = await insertDecision(database, {
      applicationId: a1.id,
      status: "approved",
      decidedAt: at(49 * minute),
    });
    const o1 = await insertOffer(database, {
      decisionId: d1,
      applicationId: a1.id,
      amountFinancedCents: 500_000,
      selectedAt: at(10 * minute),
    });
    await insertOffer(database, {
      decisionId: d1,
      applicationId: a1.id,
      amountFinancedCents: 9_999_900,
    });
    await database.write((tx) =>
      tx.insert(loans).values({
        id: newId("loan"),
        applicationId: a1.id,
        offerId: o1,
        merchantId,
        lender: "mock",
        status: "funded",
        principalCents: 505_000,
        amountCents: 500_000,
        merchantFeeCents: 15_000,
        disbursementCents: 485_000,
        fundedAmountCents: 485_000,
        fundedAt: at(5 * minute),
        paymentSchedule: [],
      }),
    );

    // a2: three days ago, declined two minutes after submitting.
    const a2 = await insertApplication(database, {
      merchantId,
      status: "declined",
      createdAt: at(3 * day),
      submittedAt: at(3 * day - minute),
      decidedAt: at(3 * day - 3 * minute),
    });
    await insertDecision(database, {
      applicationId: a2.id,
      status: "declined",
      decidedAt: at(3 * day - 3 * minute),
    });

    // a3: three days ago, waiting in the queue (high priority): not "decided" for the timing.
    const a3 = await insertApplication(database, {
      merchantId,
      status: "manual_review",
      createdAt: at(3 * day),
      submittedAt: at(3 * day - minute),
      decidedAt: at(3 * day - 2 * minute),
    });
    const d3 = await insertDecision(database, {
      applicationId: a3.id,
      status: "manual_review",
      decidedAt: at(3 * day - 2 * minute),
    });

    // a4: five days ago, to review, then approved by an underwriter an hour later.
    const a4 = await insertApplication(database, {
      merchantId,
      status: "offer_accepted",
      createdAt: at(5 * day),
      submittedAt: at(5 * day - 30_000),
      decidedAt: at(5 * day - minute - hour),
    });
    const d4 = await insertDecision(database, {
      applicationId: a4.id,
      status: "manual_review",
      decidedAt: at(5 * day - minute),
    });
    const d4b = await insertDecision(database, {
      applicationId: a4.id,
      status: "approved",
      decidedAt: at(5 * day - minute - hour),
      decidedBy: operatorId,
    });
    const o4 = await insertOffer(database, {
      decisionId: d4b,
      applicationId: a4.id,
      amountFinancedCents: 700_000,
      selectedAt: at(day),
    });
    // Signed a day ago, not funded yet: funding aging's "1–3 days".
    await database.write((tx) =>
      tx.run(sql`UPDATE applications SET selected_offer_id = ${o4} WHERE id = ${a4.id}`),
    );

    // a5: forty days ago — outside every window.
    const a5 = await insertApplication(database, {
      merchantId,
      status: "approved",
      createdAt: at(40 * day),
      submittedAt: at(40 * day),
      decidedAt: at(40 * day - minute),
    });
    await insertDecision(database, {
      applicationId: a5.id,
      status: "approved",
      decidedAt: at(40 * day - minute),
    });

    // a6: yesterday, still in progress. a7: two days ago, in review and assigned.
    await insertApplication(database, { merchantId, status: "in_progress", createdAt: at(day) });
    const a7 = await insertApplication(database, {
      merchantId,
      status: "manual_review",
      createdAt: at(2 * day),
      submittedAt: at(2 * day),
      decidedAt: at(2 * day - minute),
    });
    const d7 = await insertDecision(database, {
      applicationId: a7.id,
      status: "manual_review",
      decidedAt: at(2 * day - minute),
    });

    await database.write(async (tx) => {
      await tx.insert(manualReviews).values([
        {
          id: newId("mr"),
          applicationId: a3.id,
          decisionId: d3,
          reason: "bureau_unavailable",
          priority: 1,
          createdAt: at(3 * day),
        },
        {
          id: newId("mr"),
          applicationId: a7.id,
          decisionId: d7,
          reason: "thin_file",
          priority: 2,
          status: "assigned",
          assignedTo: operatorId,
          createdAt: at(2 * day),
        },
        {
          id: newId("mr"),
          applicationId: a4.id,
          decisionId: d4,
          reason: "thin_file",
          status: "resolved",
          resolution: "approved",
          createdAt: at(5 * day),
        },
      ]);
      const job = (kind: string, state: string, updated: number, lastError: string | null) =>
        tx.run(sql`INSERT INTO outbox (kind, payload, priority, state, run_at, attempts, last_error, created_at, updated_at)
          VALUES (${kind}, '{}', 3, ${state}, ${updated}, 3, ${lastError}, ${updated}, ${updated})`);
      await job("send-sms", "dead", now - hour, "twilio 21610");
      await job("send-sms", "pending", now - 2 * hour, "timeout");
      await job("send-sms", "dead", now - 2 * day, "old");
      await job("send-email", "completed", now - hour, null);
      await job("send-email", "pending", now - hour, null);
      const log = (outcome: "ok" | "error", ago: number) =>
        tx.insert(crmSyncLogs).values({
          id: newId("crm"),
          merchantId,
          crm: "fieldroutes",
          operation: "add_note",
          outcome,
          error: outcome === "error" ? "HTTP 500" : null,
          createdAt: at(ago),
        });
      const skipped = (ago: number) =>
        tx.insert(crmSyncLogs).values({
          id: newId("crm"),
          merchantId,
          crm: "fieldroutes",
          operation: "note/create",
          outcome: "error",
          error: "NOT_ATTEMPTED: the CRM customer id is not a FieldRoutes customerID",
          createdAt: at(ago),
        });
      await log("error", hour);
      await log("error", 3 * hour);
      await log("ok", hour);
      await log("error", 2 * day);
      await skipped(hour);
    });
    dashboard = await loadDashboard(database, now);
    fortnight = await loadDashboard(
      database,
      now,
      parseRange(
        new URLSearchParams({ range: "custom", from: "2026-11-14", to: "2026-11-27" }),
        now,
      ).range,
    );
  });
  afterAll(() => database.destroy());

  const stat = (label: string) => dashboard.stats.find((s) => s.label.startsWith(label))!;

  it("counts today's applications (UTC day) and the approval rate by each application's latest decision", () => {
    expect(stat("Applications today").value).toBe("1");
    // a1 and a4 (the underwriter's approval supersedes the engine's manual_review) vs a2.
    expect(stat("Approval rate").value).toBe("67%");
    expect(stat("Approval rate").detail).toBe("2 approved, 1 declined");
  });

  it("average loan amount from signed offers, funded volume from funded loans", () => {
    expect(stat("Average loan amount").value).toBe("$6,000.00");
    expect(stat("Funded volume").value).toBe("$4,850.00");
    expect(stat("Funded volume").detail).toBe("1 funded loan");
  });

  it("time to decision p50/p95 split: the engine's decisions apart from the underwriters', none still in review", () => {
    // a1 (1 min) and a2 (2 min) by the engine; a4 by an underwriter an hour after submitting.
    expect(stat("Time to decision, automatic").value).toBe("p50 1 min");
    expect(stat("Time to decision, automatic").detail).toBe("p95 2 min · 2 decided");
    expect(stat("Time to decision, manual").value).toBe("p50 1 h");
    expect(stat("Time to decision, manual").detail).toBe("p95 1 h · 1 decided");
    expect(dashboard.timeToDecision.map((t) => [t.mode, t.p50, t.p95, t.decided])).toEqual([
      ["auto", "1 min", "2 min", 2],
      ["manual", "1 h", "1 h", 1],
    ]);
  });

  it("funnel of the links sent in the range, with conversion from the step before and from sent", () => {
    // a1 funded, a2 declined, a3 and a7 in review, a4 signed, a6 started; a5 is 40 days old.
    expect(
      dashboard.funnel.map((row) => [
        row.step,
        row.count,
        formatPercent(row.fromPrevious),
        formatPercent(row.fromSent),
      ]),
    ).toEqual([
      ["sent", 6, "—", "—"],
      ["opened", 6, "100%", "100%"],
      ["submitted", 5, "83%", "83%"],
      ["decided", 3, "60%", "50%"],
      ["signed", 2, "67%", "33%"],
      ["funded", 1, "50%", "17%"],
    ]);
    expect(dashboard.funnel[3]!.href).toBe(
      "/ops/applications?stage=decided&from=2026-10-29&to=2026-11-27",
    );
    expect(dashboard.funnel[0]!.href).toBe("/ops/applications?from=2026-10-29&to=2026-11-27");
  });

  it("funding aging: signed and not funded, by time since signing, linked to the list", () => {
    expect(dashboard.fundingAging.map((row) => [row.id, row.count, row.amountCents])).toEqual([
      ["d0", 0, 0],
      ["d1", 1, 800_000],
      ["d3", 0, 0],
      ["d7", 0, 0],
      ["d14", 0, 0],
    ]);
    expect(dashboard.fundingAging[1]!.href).toBe("/ops/applications?aging=d1");
  });

  it("by merchant: links sent, signed, funded and funded volume in the range", () => {
    expect(dashboard.merchants).toEqual([
      expect.objectContaining({
        name: "Acme Pest Control",
        sent: 6,
        signed: 2,
        funded: 1,
        fundedVolumeCents: 485_000,
        conversion: "17%",
      }),
    ]);
    expect(dashboard.merchants[0]!.href).toMatch(
      /^\/ops\/applications\?merchant=mer_\w+&from=2026-10-29&to=2026-11-27$/,
    );
  });

  it("CRM write-backs failing since their last success, per operation, and how many merchants", () => {
    expect(dashboard.crmFailures.merchants).toBe(1);
    expect(
      dashboard.crmFailures.rows.map((row) => [
        row.operation,
        row.failuresSinceSuccess,
        row.lastError,
      ]),
    ).toEqual([
      ["note/create", 1, "NOT_ATTEMPTED: the CRM customer id is not a FieldRoutes customerID"],
      ["add_note", 1, "HTTP 500"],
    ]);
    expect(dashboard.crmFailures.href).toBe("/ops/jobs?kind=sync-to-crm");
  });

  it("every stat links to the filtered applications list", () => {
    for (const s of dashboard.stats) expect(s.href, s.label).toMatch(/^\/ops\/applications\?/);
    expect(stat("Applications today").href).toBe("/ops/applications?from=2026-11-27&to=2026-11-27");
  });

  it("review queue depth", () => {
    expect(stat("Review queue").value).toBe("2");
    expect(dashboard.reviewQueue).toEqual({
      pending: 1,
      assigned: 1,
      highPriority: 1,
      oldestAgeMs: 3 * day,
    });
  });

  it("partner errors of the last 24 hours: failing and dead jobs by kind, CRM errors", () => {
    expect(dashboard.partnerErrors.jobs).toEqual([
      { kind: "send-sms", dead: 1, failing: 1, href: "/ops/jobs?kind=send-sms" },
    ]);
    expect(dashboard.partnerErrors.crm).toEqual([
      { crm: "fieldroutes", operation: "add_note", errors: 2 },
    ]);
  });

  it("charts over a custom range: 14 days of applications, decisions by status", () => {
    expect(fortnight.range.label).toBe("Nov 14 – Nov 27 2026");
    const [perDay, byStatus] = fortnight.charts;
    expect(perDay!.bars).toHaveLength(14);
    expect(perDay!.rows.at(-1)).toEqual({ label: "Nov 27", valueText: "1" });
    expect(perDay!.rows.map((r) => Number(r.valueText))).toEqual(
      [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2, 1, 1, 1].slice(1),
    );
    expect(perDay!.description).toBe("6 applications over 14 days. Highest: Nov 24 (2).");
    expect(byStatus!.rows).toEqual([
      { label: "Approved", valueText: "2" },
      { label: "Declined", valueText: "1" },
      { label: "In manual review", valueText: "2" },
    ]);
  });
});

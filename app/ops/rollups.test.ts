import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newId } from "~/db/ids";
import { loans } from "~/db/schema/index";
import { createTestDatabase } from "~/db/testing";
import {
  insertApplication,
  insertDecision,
  insertMerchant,
  insertOffer,
} from "./applications-fixtures";
import { dayMs, formatDuration, percentile, utcDay } from "./dashboard";
import { funnelSteps } from "./dashboard-funnel";
import { countedPercentile, durationKey } from "./rollups";
import { loadApplicationsPerDay, loadRollups, type RollupWindow } from "./rollups.server";

describe("rollup arithmetic", () => {
  it("a duration's key shows exactly as the duration does, and keys keep the order", () => {
    const samples = [0, 1, 499, 999, 1000, 1499, 1500, 59_499, 59_500, 61_000, 3_599_499];
    for (let ms = 3_599_000; ms < 3_700_000; ms += 7_919) samples.push(ms);
    for (let ms = 80_000_000; ms < 400_000_000; ms += 9_999_991) samples.push(ms);
    let previous = -1;
    for (const ms of samples.sort((a, b) => a - b)) {
      expect(formatDuration(durationKey(ms))).toBe(formatDuration(ms));
      expect(durationKey(ms)).toBeGreaterThanOrEqual(previous);
      previous = durationKey(ms);
    }
  });

  it("percentiles over counted values equal those over the repeated values", () => {
    const counted = [
      { value: 30, count: 3 },
      { value: 10, count: 1 },
      { value: 20, count: 0 },
      { value: 5, count: 2 },
    ];
    const values = [30, 30, 30, 10, 5, 5];
    for (const p of [1, 25, 50, 66, 67, 95, 100]) {
      expect(countedPercentile(counted, p)).toBe(percentile(values, p));
    }
    expect(countedPercentile([], 50)).toBeNull();
    expect(countedPercentile([{ value: 1, count: 0 }], 50)).toBeNull();
  });
});

/**
 * The triggers of migration 0031 against a count over the tables: a seeded database with
 * re-decisions, selections, funding, refunds, status changes and deletes, then the rollups of
 * several windows compared with the dashboard's former per-request queries.
 */
describe("daily rollups equal a brute-force count", () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  const now = Date.UTC(2026, 11, 7, 15, 0, 0);
  const today = utcDay(now);
  const minute = 60_000;
  // A fixed pseudo-random sequence: the same database on every run.
  let seed = 7;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;

  async function bruteForce(fromDay: number, toDay: number): Promise<RollupWindow> {
    const since = fromDay * dayMs;
    const until = (toDay + 1) * dayMs;
    const decisions = await database.db.all<{ status: string; n: number }>(
      sql`SELECT d.status AS status, count(*) AS n FROM decisions d
          WHERE d.decided_at >= ${since} AND d.decided_at < ${until} AND NOT EXISTS (
            SELECT 1 FROM decisions later WHERE later.application_id = d.application_id
              AND (later.decided_at > d.decided_at OR (later.decided_at = d.decided_at AND later.id > d.id)))
          GROUP BY d.status`,
    );
    const offers = await database.db.get<{ n: number; total: number }>(
      sql`SELECT count(*) AS n, coalesce(sum(amount_financed_cents), 0) AS total FROM offers
          WHERE selected_at >= ${since} AND selected_at < ${until}`,
    );
    const funded = await database.db.get<{ n: number; total: number }>(
      sql`SELECT count(*) AS n, coalesce(sum(funded_amount_cents), 0) AS total FROM loans
          WHERE status = 'funded' AND funded_at >= ${since} AND funded_at < ${until}`,
    );
    const durations = await database.db.all<{ ms: number }>(
      sql`SELECT decided_at - submitted_at AS ms FROM applications
          WHERE decided_at >= ${since} AND decided_at < ${until} AND submitted_at IS NOT NULL
            AND decided_at >= submitted_at AND status <> 'manual_review'`,
    );
    const keyed = new Map<number, number>();
    for (const { ms } of durations) {
      const key = durationKey(Number(ms));
      keyed.set(key, (keyed.get(key) ?? 0) + 1);
    }
    // The split (migration 0036): each application's latest decision, by its day; an
    // underwriter's is manual, the engine's approval or decline automatic.
    const latest = await database.db.all<{ who: string | null; status: string; ms: number | null }>(
      sql`SELECT d.decided_by AS who, d.status AS status, d.decided_at - a.submitted_at AS ms
          FROM decisions d JOIN applications a ON a.id = d.application_id
          WHERE d.decided_at >= ${since} AND d.decided_at < ${until} AND NOT EXISTS (
            SELECT 1 FROM decisions later WHERE later.application_id = d.application_id
              AND (later.decided_at > d.decided_at OR (later.decided_at = d.decided_at AND later.id > d.id)))`,
    );
    const split = { auto: new Map<number, number>(), manual: new Map<number, number>() };
    for (const row of latest) {
      if (row.ms === null || Number(row.ms) < 0) continue;
      if (row.who === null && row.status === "manual_review") continue;
      const into = row.who === null ? split.auto : split.manual;
      const key = durationKey(Number(row.ms));
      into.set(key, (into.get(key) ?? 0) + 1);
    }
    // The funnel: applications created in the window, at every step up to the furthest reached.
    const stages = await database.db.all<{ stage: number }>(
      sql`SELECT funnel_stage AS stage FROM applications
          WHERE created_at >= ${since} AND created_at < ${until}`,
    );
    const funnel: Record<string, number> = {};
    for (const { stage } of stages)
      for (const step of funnelSteps.slice(0, Number(stage) + 1))
        funnel[step] = (funnel[step] ?? 0) + 1;
    return {
      decisions: Object.fromEntries(decisions.map((row) => [row.status, Number(row.n)])),
      offersSelected: { count: Number(offers?.n ?? 0), amountCents: Number(offers?.total ?? 0) },
      loansFunded: { count: Number(funded?.n ?? 0), amountCents: Number(funded?.total ?? 0) },
      timesToDecision: [...keyed].map(([value, count]) => ({ value, count })),
      timesToDecisionAuto: [...split.auto].map(([value, count]) => ({ value, count })),
      timesToDecisionManual: [...split.manual].map(([value, count]) => ({ value, count })),
      funnel,
    };
  }

  const counted = (times: RollupWindow["timesToDecision"]) =>
    times.filter((t) => t.count !== 0).sort((a, b) => a.value - b.value);
  const normalized = (window: RollupWindow) => ({
    ...window,
    decisions: Object.fromEntries(Object.entries(window.decisions).filter(([, n]) => n !== 0)),
    funnel: Object.fromEntries(Object.entries(window.funnel).filter(([, n]) => n !== 0)),
    timesToDecision: counted(window.timesToDecision),
    timesToDecisionAuto: counted(window.timesToDecisionAuto),
    timesToDecisionManual: counted(window.timesToDecisionManual),
  });

  beforeAll(async () => {
    database = await createTestDatabase();
    const merchantId = await insertMerchant(database);
    const underwriter = newId("op");
    await database.write((tx) =>
      tx.run(sql`INSERT INTO operators (id, email, name, role, password_hash, created_at, updated_at)
        VALUES (${underwriter}, 'uw@flowpay.test', 'Una Writer', 'underwriter', 'x', ${now}, ${now})`),
    );
    const funded: { loanId: string }[] = [];
    const bare: string[] = [];
    for (let i = 0; i < 120; i++) {
      const created = now - Math.floor(random() * 45 * dayMs);
      const submitted = created + Math.floor(random() * 30 * minute);
      const waits = [200, 999, 1_499, 1_500, 42_000, 185_000, 3_630_000, 2 * dayMs + 7 * minute];
      const decided = submitted + pick(waits);
      const status = pick(["approved", "declined", "manual_review"] as const);
      const app = await insertApplication(database, {
        merchantId,
        status: status === "approved" ? pick(["approved", "funded"] as const) : status,
        createdAt: new Date(created),
        submittedAt: new Date(submitted),
        decidedAt: new Date(decided),
      });
      if (i % 10 === 9) {
        bare.push(app.id); // no decision rows: deletable
        continue;
      }
      const decisionId = await insertDecision(database, {
        applicationId: app.id,
        status,
        decidedAt: new Date(decided),
      });
      if (status === "manual_review" && random() < 0.6) {
        // An underwriter's resolution, later (sometimes the next day): supersedes the engine's.
        const resolved = decided + Math.floor(random() * 30 * 60 * minute);
        const resolution = pick(["approved", "declined"] as const);
        await insertDecision(database, {
          applicationId: app.id,
          status: resolution,
          decidedAt: new Date(resolved),
          decidedBy: underwriter,
        });
        await database.write((tx) =>
          tx.run(
            sql`UPDATE applications SET status = ${resolution}, decided_at = ${resolved} WHERE id = ${app.id}`,
          ),
        );
      }
      if (status === "approved") {
        const selected = random() < 0.7 ? new Date(decided + 10 * minute) : null;
        const offerId = await insertOffer(database, {
          decisionId,
          applicationId: app.id,
          amountFinancedCents: 100_000 + Math.floor(random() * 2_000_000),
          selectedAt: selected,
        });
        if (!selected && random() < 0.5) {
          await database.write((tx) =>
            tx.run(sql`UPDATE offers SET selected_at = ${decided + dayMs} WHERE id = ${offerId}`),
          );
        }
        if (selected) {
          const loanId = newId("loan");
          await database.write((tx) =>
            tx.insert(loans).values({
              id: loanId,
              applicationId: app.id,
              offerId,
              merchantId,
              lender: "mock",
              status: "pending_funding",
              principalCents: 500_000,
              amountCents: 500_000,
              merchantFeeCents: 15_000,
              disbursementCents: 485_000,
              paymentSchedule: [],
            }),
          );
          if (random() < 0.8) {
            const fundedAt = Math.min(now, decided + dayMs);
            await database.write((tx) =>
              tx.run(
                sql`UPDATE loans SET status = 'funded', funded_at = ${fundedAt},
                      funded_amount_cents = ${400_000 + i} WHERE id = ${loanId}`,
              ),
            );
            funded.push({ loanId });
          }
        }
      }
    }
    // Later changes: refunds take loans out of "funded", applications move into and out of
    // review, a decision time is corrected, undecided applications are deleted.
    for (const { loanId } of funded.slice(0, 4)) {
      await database.write((tx) =>
        tx.run(sql`UPDATE loans SET status = 'refunded' WHERE id = ${loanId}`),
      );
    }
    await database.write(async (tx) => {
      await tx.run(sql`UPDATE applications SET status = 'manual_review'
        WHERE id IN (SELECT id FROM applications WHERE status = 'declined' ORDER BY id LIMIT 3)`);
      await tx.run(sql`UPDATE applications SET status = 'approved'
        WHERE id IN (SELECT id FROM applications WHERE status = 'manual_review' ORDER BY id DESC LIMIT 2)`);
      await tx.run(sql`UPDATE applications SET decided_at = decided_at + 3600000
        WHERE id IN (SELECT id FROM applications WHERE status = 'funded' ORDER BY id LIMIT 3)`);
      await tx.run(sql`UPDATE applications SET submitted_at = NULL
        WHERE id = ${bare[0]!}`);
      // A submitted time corrected after the decision moves its time to decision (split too).
      await tx.run(sql`UPDATE applications SET submitted_at = submitted_at - 90000
        WHERE id IN (SELECT application_id FROM decisions WHERE decided_by IS NOT NULL
          ORDER BY id LIMIT 2)`);
      // Borrowers who started and then canceled keep "opened" (the stage never goes down).
      await tx.run(sql`UPDATE applications SET status = 'in_progress', step = 'details'
        WHERE id IN (SELECT id FROM applications WHERE status = 'link_sent' ORDER BY id LIMIT 3)`);
      await tx.run(sql`UPDATE applications SET status = 'canceled'
        WHERE id IN (SELECT id FROM applications WHERE status = 'in_progress' ORDER BY id LIMIT 2)`);
      for (const id of bare.slice(1, 4))
        await tx.run(sql`DELETE FROM applications WHERE id = ${id}`);
    });
  });
  afterAll(() => database?.destroy());

  it("over the dashboard's window and others, every figure matches", async () => {
    const windows = [
      [today - 29, today],
      [today - 6, today],
      [today, today],
      [today - 44, today - 30],
      [today - 60, today + 1],
    ] as const;
    let decided = 0;
    for (const [from, to] of windows) {
      const rollups = normalized(await loadRollups(database, from, to));
      const brute = normalized(await bruteForce(from, to));
      expect(rollups).toEqual(brute);
      decided += brute.timesToDecision.reduce((sum, t) => sum + t.count, 0);
    }
    expect(decided).toBeGreaterThan(50); // the seed exercised the figures
    const all = normalized(await loadRollups(database, today - 60, today + 1));
    // Every step and both kinds of decision were exercised.
    expect(Object.keys(all.funnel).sort()).toEqual([...funnelSteps].sort());
    expect(all.timesToDecisionAuto.length).toBeGreaterThan(3);
    expect(all.timesToDecisionManual.length).toBeGreaterThan(3);
  });

  it("the funnel stage never goes down and follows the row: started, submitted, decided, signed, funded", async () => {
    const stageOf = async (id: string) =>
      Number(
        (await database.db.get<{ s: number }>(
          sql`SELECT funnel_stage AS s FROM applications WHERE id = ${id}`,
        ))!.s,
      );
    const merchantId = await insertMerchant(database, "Stage Test Co");
    const app = await insertApplication(database, { merchantId, createdAt: new Date(now - dayMs) });
    const steps: [string, number][] = [
      ["status = 'in_progress'", 1],
      ["step = 'details'", 1],
      [`submitted_at = ${now}, status = 'submitted'`, 2],
      ["status = 'manual_review'", 2],
      [`status = 'approved', decided_at = ${now}`, 3],
      ["status = 'offer_accepted'", 4],
      ["status = 'canceled'", 4],
    ];
    for (const [set, stage] of steps) {
      await database.write((tx) =>
        tx.run(sql.raw(`UPDATE applications SET ${set} WHERE id = '${app.id}'`)),
      );
      expect(await stageOf(app.id), set).toBe(stage);
    }
  });

  it("applications created per day match a count by UTC day (deletes and moved dates included)", async () => {
    await database.write((tx) =>
      tx.run(sql`UPDATE applications SET created_at = created_at - 2 * 86400000
        WHERE id IN (SELECT id FROM applications ORDER BY id LIMIT 5)`),
    );
    const rows = await database.db.all<{ day: number; n: number }>(
      sql`SELECT created_at / 86400000 AS day, count(*) AS n FROM applications
          WHERE created_at >= ${(today - 44) * dayMs} AND created_at < ${(today + 1) * dayMs}
          GROUP BY 1 ORDER BY 1`,
    );
    const rollup = (await loadApplicationsPerDay(database, today - 44, today))
      .filter((row) => row.count !== 0)
      .sort((a, b) => a.day - b.day);
    expect(rollup).toEqual(rows.map((row) => ({ day: Number(row.day), count: Number(row.n) })));
    expect(rollup.length).toBeGreaterThan(20);
  });

  it("the migration counted what existed before it (backfill) the same way", async () => {
    const before = normalized(await loadRollups(database, today - 60, today + 1));
    const perDayBefore = await loadApplicationsPerDay(database, today - 60, today + 1);
    await database.write(async (tx) => {
      await tx.run(sql`DELETE FROM daily_rollups`);
      const migration = await import("node:fs").then((fs) =>
        [
          "0031_daily_rollup_triggers.sql",
          "0032_daily_rollup_applications.sql",
          "0036_ops_funnel_rollup_triggers.sql",
        ]
          .map((file) => fs.readFileSync(`db/migrations/${file}`, "utf8"))
          .join("\n--> statement-breakpoint\n"),
      );
      const backfill = migration
        .split("--> statement-breakpoint")
        .filter((statement) => /^INSERT INTO daily_rollups/m.test(statement));
      expect(backfill).toHaveLength(7);
      for (const statement of backfill) await tx.run(sql.raw(statement));
    });
    const after = normalized(await loadRollups(database, today - 60, today + 1));
    expect(after).toEqual(before);
    expect(await loadApplicationsPerDay(database, today - 60, today + 1)).toEqual(perDayBefore);
  });
});

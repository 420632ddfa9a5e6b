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
} from "~/app/ops/applications-fixtures";
import { funnelSteps } from "~/app/ops/dashboard-funnel";
import { merchantOverview, type Overview } from "./overview.server";
import { portalScope } from "./scope.server";

/**
 * The merchant portal's overview from migration 0036's per-merchant rollups against a count over
 * the merchant's applications and loans (what the overview counted per request before, ADR 079):
 * three merchants, statuses moving, amounts changed, loans funded and refunded, rows deleted.
 */
describe("merchant overview rollups equal a brute-force count", () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  const merchants: string[] = [];
  const now = Date.UTC(2026, 11, 7, 15, 0, 0);
  const day = 86_400_000;
  let seed = 11;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;

  async function bruteForce(merchantId: string): Promise<Overview> {
    const statuses = await database.db.all<{ status: string; n: number }>(
      sql`SELECT status, count(*) AS n FROM applications WHERE merchant_id = ${merchantId} GROUP BY status`,
    );
    const stages = await database.db.all<{ stage: number }>(
      sql`SELECT funnel_stage AS stage FROM applications WHERE merchant_id = ${merchantId}`,
    );
    const funded = await database.db.get<{ n: number; v: number; f: number }>(
      sql`SELECT count(*) AS n, coalesce(sum(funded_amount_cents), 0) AS v,
            coalesce(sum(merchant_fee_cents), 0) AS f
          FROM loans WHERE merchant_id = ${merchantId} AND funded_at IS NOT NULL`,
    );
    const funnel = Object.fromEntries(funnelSteps.map((step) => [step, 0])) as Overview["funnel"];
    for (const { stage } of stages)
      for (const step of funnelSteps.slice(0, Number(stage) + 1)) funnel[step] += 1;
    return {
      statusCounts: Object.fromEntries(statuses.map((row) => [row.status, Number(row.n)])),
      funnel,
      funded: {
        loans: Number(funded!.n),
        volumeCents: Number(funded!.v),
        feesCents: Number(funded!.f),
      },
    };
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    for (const name of ["Acme Pest Control", "Bee Gone", "Cool Air"])
      merchants.push(await insertMerchant(database, name));
    const fundedLoans: string[] = [];
    for (let i = 0; i < 90; i++) {
      const merchantId = pick(merchants);
      const created = now - Math.floor(random() * 60 * day);
      const status = pick([
        "link_sent",
        "in_progress",
        "submitted",
        "approved",
        "declined",
        "manual_review",
        "offer_accepted",
        "funded",
        "expired",
      ] as const);
      const decided = ["approved", "declined", "offer_accepted", "funded"].includes(status);
      const app = await insertApplication(database, {
        merchantId,
        status,
        amountCents: 100_000 + Math.floor(random() * 900_000),
        createdAt: new Date(created),
        submittedAt: decided || status === "submitted" ? new Date(created + 60_000) : null,
        decidedAt: decided ? new Date(created + 120_000) : null,
      });
      if (status !== "funded" && status !== "offer_accepted") continue;
      const decisionId = await insertDecision(database, {
        applicationId: app.id,
        status: "approved",
        decidedAt: new Date(created + 120_000),
      });
      const offerId = await insertOffer(database, {
        decisionId,
        applicationId: app.id,
        amountFinancedCents: 500_000,
        selectedAt: new Date(created + 600_000),
      });
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
          merchantFeeCents: 10_000 + i,
          disbursementCents: 490_000,
          paymentSchedule: [],
        }),
      );
      if (status === "funded") {
        await database.write((tx) =>
          tx.run(sql`UPDATE loans SET status = 'funded', funded_at = ${created + day},
                funded_amount_cents = ${490_000 - i} WHERE id = ${loanId}`),
        );
        fundedLoans.push(loanId);
      }
    }
    // Later changes: an offer_accepted loan funded (the application moves to funded in the same
    // write), refunds (still funded once: the portal counts funded_at), re-priced amounts, a
    // merchant's application expiring, undecided applications deleted.
    await database.write(async (tx) => {
      await tx.run(sql`UPDATE loans SET status = 'funded', funded_at = ${now}, funded_amount_cents = 480000
        WHERE id = (SELECT l.id FROM loans l JOIN applications a ON a.id = l.application_id
          WHERE a.status = 'offer_accepted' ORDER BY l.id LIMIT 1)`);
      await tx.run(sql`UPDATE applications SET status = 'funded'
        WHERE id = (SELECT application_id FROM loans WHERE funded_at = ${now})`);
      for (const id of fundedLoans.slice(0, 3))
        await tx.run(sql`UPDATE loans SET status = 'refunded' WHERE id = ${id}`);
      await tx.run(sql`UPDATE applications SET status = 'partially_refunded'
        WHERE id = (SELECT application_id FROM loans WHERE id = ${fundedLoans[0]!})`);
      await tx.run(sql`UPDATE applications SET amount_cents = amount_cents + 12345
        WHERE id IN (SELECT id FROM applications WHERE status = 'approved' ORDER BY id LIMIT 4)`);
      await tx.run(sql`UPDATE applications SET status = 'expired'
        WHERE id IN (SELECT id FROM applications WHERE status = 'in_progress' ORDER BY id LIMIT 2)`);
      await tx.run(sql`UPDATE applications SET status = 'in_progress', step = 'details'
        WHERE id IN (SELECT id FROM applications WHERE status = 'link_sent' ORDER BY id LIMIT 3)`);
      await tx.run(sql`DELETE FROM applications WHERE id IN (SELECT id FROM applications
        WHERE status IN ('link_sent', 'declined') AND id NOT IN (SELECT application_id FROM decisions)
        ORDER BY id LIMIT 4)`);
    });
  });
  afterAll(() => database?.destroy());

  it("status counts, funnel and funded totals of each merchant match the count", async () => {
    let applications = 0;
    for (const merchantId of merchants) {
      const overview = await merchantOverview(database.db, merchantId);
      expect(overview).toEqual(await bruteForce(merchantId));
      applications += overview.funnel.sent;
      // The funnel narrows: every step at most the one before.
      const counts = funnelSteps.map((step) => overview.funnel[step]);
      expect(counts).toEqual([...counts].sort((a, b) => b - a));
    }
    expect(applications).toBeGreaterThan(70); // the seed exercised it
  });

  it("the portal scope's overview is the merchant's own and nobody else's", async () => {
    const [a, b] = merchants;
    const own = await portalScope(a!).overview(database.db);
    expect(own).toEqual(await merchantOverview(database.db, a!));
    expect(own).not.toEqual(await merchantOverview(database.db, b!));
    expect(await merchantOverview(database.db, "mer_nobody00000000")).toEqual({
      statusCounts: {},
      funnel: { sent: 0, opened: 0, submitted: 0, decided: 0, signed: 0, funded: 0 },
      funded: { loans: 0, volumeCents: 0, feesCents: 0 },
    });
  });
});

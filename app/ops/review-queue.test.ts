import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newId } from "~/db/ids";
import { manualReviews } from "~/db/schema/index";
import { createTestDatabase } from "~/db/testing";
import { insertApplication, insertDecision, insertMerchant } from "./applications-fixtures";
import {
  cappedCount,
  decodeQueueCursor,
  encodeQueueCursor,
  formatCount,
  queueOrder,
  reviewDueAt,
  type QueueCursor,
} from "./reviews";
import { listQueue } from "./reviews.server";

/**
 * The review queue's pages and counts (ADR 089): keyset pages in due order, and the header's
 * counts read no further than a cap.
 */
describe("queue cursor and capped counts (pure)", () => {
  it("a cursor goes through the URL unchanged; a malformed one is the first page", () => {
    const cursor = {
      dueAt: 1_796_000_000_000,
      amountCents: 750_000,
      priority: 2,
      id: "mr_01kb2c3d4e5f6g7h8j9k",
    };
    expect(decodeQueueCursor(encodeQueueCursor(cursor))).toEqual(cursor);
    for (const bad of ["", "x", "1.2.3.mr_01kb2c3d4e5f6g7h8j9k", "1.2.1.mr_'--", null]) {
      expect(decodeQueueCursor(bad)).toBeNull();
    }
  });

  it("a count past the cap says so", () => {
    expect(formatCount(cappedCount(536))).toBe("536");
    expect(formatCount(cappedCount(1000))).toBe("1,000");
    expect(formatCount(cappedCount(1001))).toBe("1,000+");
    expect(cappedCount(12, 10)).toEqual({ n: 10, more: true });
  });
});

describe("the queue over a real database", () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  const sla = { normalHours: 24, highHours: 4 };
  const now = Date.UTC(2026, 11, 7, 12, 0, 0);
  const hour = 3_600_000;
  const reviews: { id: string; priority: number; createdAt: Date; amountCents: number }[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    const merchantId = await insertMerchant(database);
    // Ages in hours and priorities: some overdue (high past 4 h, normal past 24 h), some not,
    // two due at the same moment (the larger amount first), and a resolved one (not counted).
    const specs: [number, 1 | 2, number, string][] = [
      [1, 1, 500_000, "pending"],
      [5, 1, 900_000, "assigned"],
      [30, 2, 300_000, "pending"],
      [2, 2, 800_000, "pending"],
      [26, 2, 400_000, "pending"],
      [22, 1, 200_000, "pending"], // high, due 18 h ago
      [42, 2, 200_000, "pending"], // normal, due 18 h ago: the same due time, the same amount
      [10, 2, 650_000, "assigned"],
      [48, 2, 100_000, "resolved"],
      [3, 1, 700_000, "pending"],
    ];
    for (const [age, priority, amountCents, status] of specs) {
      const createdAt = new Date(now - age * hour);
      const app = await insertApplication(database, {
        merchantId,
        status: "manual_review",
        amountCents,
        createdAt,
      });
      const decisionId = await insertDecision(database, {
        applicationId: app.id,
        status: "manual_review",
        decidedAt: createdAt,
      });
      const id = newId("mr", createdAt.getTime());
      await database.write((tx) =>
        tx.insert(manualReviews).values({
          id,
          applicationId: app.id,
          decisionId,
          reason: "thin_file",
          priority,
          status,
          createdAt,
        } as typeof manualReviews.$inferInsert),
      );
      if (status !== "resolved") reviews.push({ id, priority, createdAt, amountCents });
    }
  });
  afterAll(() => database.destroy());

  it("counts every open review and every overdue one, whatever the page shows", async () => {
    const queue = await listQueue(database, 3, sla, { now });
    expect(queue.items).toHaveLength(3);
    expect(queue.counts.open).toEqual({ n: 9, more: false });
    const overdue = reviews.filter((r) => reviewDueAt(r, sla).getTime() < now).length;
    expect(overdue).toBe(5);
    expect(queue.counts.overdue).toEqual({ n: overdue, more: false });
  });

  it("pages through the queue in due order, each review once", async () => {
    const expected = queueOrder(reviews, sla, 100).map((r) => r.id);
    const seen: string[] = [];
    let after: QueueCursor | null = null;
    for (let page = 0; page < 10; page++) {
      const queue: Awaited<ReturnType<typeof listQueue>> = await listQueue(database, 2, sla, {
        after,
        now,
      });
      seen.push(...queue.items.map((item) => item.id));
      if (!queue.next) break;
      after = decodeQueueCursor(encodeQueueCursor(queue.next));
    }
    expect(seen).toEqual(expected);
    // The high and the normal review due at the same moment with the same amount: high first.
    const tied = reviews.filter((r) => r.amountCents === 200_000).map((r) => r.id);
    expect(seen.indexOf(tied[0]!)).toBe(seen.indexOf(tied[1]!) - 1);
  });
});

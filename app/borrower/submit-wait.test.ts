import { appDatabase, createMerchant } from "~/scripts/testing/app-harness";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { applications } from "~/db/schema/index";
import type { Journey } from "./context.server";
import { pageAfterSubmit } from "./steps.server";

let merchant: Awaited<ReturnType<typeof createMerchant>>;
beforeAll(async () => {
  merchant = await createMerchant();
});

async function submitted() {
  const { offerFinancing } = await import("~/scripts/testing/borrower-harness");
  const { applicationId } = await offerFinancing(merchant.key);
  const database = await appDatabase();
  await database.write((tx) =>
    tx
      .update(applications)
      .set({ status: "submitted", step: "review" })
      .where(eq(applications.id, applicationId)),
  );
  return { database, application: { id: applicationId } } as unknown as Journey;
}

describe("after submit, the borrower waits for the decision, not a fixed time", () => {
  it("shows the decision's page as soon as it is made", async () => {
    const journey = await submitted();
    const decided = setTimeout(
      () =>
        void journey.database.write((tx) =>
          tx
            .update(applications)
            .set({ status: "approved" })
            .where(eq(applications.id, journey.application.id)),
        ),
      150,
    );
    const started = performance.now();
    expect(await pageAfterSubmit(journey, { maxMs: 5_000 })).toBe("offers");
    clearTimeout(decided);
    // It answered when the decision landed, long before its limit (not a timing assertion on
    // speed: only that it did not wait the limit out).
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it("falls back to the pending page when the decision takes longer than the limit", async () => {
    const journey = await submitted();
    expect(await pageAfterSubmit(journey, { maxMs: 100 })).toBe("pending");
  });

  it("a declined or reviewed application goes to its own page", async () => {
    for (const [status, page] of [
      ["declined", "declined"],
      ["manual_review", "in-review"],
    ] as const) {
      const journey = await submitted();
      await journey.database.write((tx) =>
        tx.update(applications).set({ status }).where(eq(applications.id, journey.application.id)),
      );
      expect(await pageAfterSubmit(journey, { maxMs: 1_000 })).toBe(page);
    }
  });
});

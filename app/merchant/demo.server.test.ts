import { appDatabase } from "~/scripts/testing/app-harness";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { merchantMemberships, merchantUsers, merchants, messages } from "~/db/schema/index";
import { demo, seedDemo } from "~/app/demo/seed.server";
import { demoMerchantOwner } from "./demo.server";

describe("the demo's merchant portal owner", () => {
  it("is seeded once for Acme Pest Control, with one sign-in e-mail, on a new and a reseeded database", async () => {
    const database = await appDatabase();
    await seedDemo(database, process.env.DATA_DIR!);
    await seedDemo(database, process.env.DATA_DIR!);
    const acme = await database.db.query.merchants.findFirst({
      where: eq(merchants.slug, demo.merchantSlug),
    });
    const rows = await database.db
      .select({ role: merchantMemberships.role, merchantId: merchantMemberships.merchantId })
      .from(merchantMemberships)
      .innerJoin(merchantUsers, eq(merchantUsers.id, merchantMemberships.userId))
      .where(eq(merchantUsers.email, demoMerchantOwner.email));
    expect(rows).toEqual([{ role: "owner", merchantId: acme!.id }]);
    const mails = await database.db
      .select()
      .from(messages)
      .where(eq(messages.recipient, demoMerchantOwner.email));
    expect(mails.map((m) => m.template)).toEqual(["merchant_invite"]);
  });
});

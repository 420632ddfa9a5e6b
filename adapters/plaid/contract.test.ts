import { Configuration, PlaidApi, PlaidEnvironments, type AccountsGetResponse } from "plaid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakePlaid, standardItem, type FakePlaid } from "./fake-server";
import { PLAID_HOSTS } from "./live";

/**
 * Contract: the fake and the adapter against Plaid's own SDK (the `plaid` package), not
 * against each other. Compile time: every answer of fake-server.ts carries
 * `satisfies Plaid.<Endpoint>Response`, so `tsc` fails when the fake leaves out a field Plaid
 * always sends or adds one Plaid does not have. Run time: the SDK's environments are ours,
 * and the SDK's own client talks to the fake.
 */
describe("Plaid contract: the plaid SDK", () => {
  it("our hosts are exactly the SDK's PlaidEnvironments (no retired development)", () => {
    expect(PLAID_HOSTS).toEqual({ ...PlaidEnvironments });
    expect(Object.keys(PlaidEnvironments)).not.toContain("development");
  });

  describe("the SDK's client against the fake", () => {
    let fake: FakePlaid;
    let client: PlaidApi;
    beforeAll(async () => {
      fake = await startFakePlaid({ clientId: "client", secret: "secret" });
      client = new PlaidApi(
        new Configuration({
          basePath: fake.url,
          baseOptions: { headers: { "PLAID-CLIENT-ID": "client", "PLAID-SECRET": "secret" } },
        }),
      );
    });
    afterAll(() => fake.close());

    it("links, exchanges, reads balances and syncs transactions in Plaid's shapes", async () => {
      const link = await client.linkTokenCreate({
        client_name: "FlowPay",
        language: "en",
        country_codes: ["US" as never],
        user: { client_user_id: "app_contract" },
        products: ["transactions" as never],
      });
      expect(link.data.link_token).toMatch(/^link-/);
      const item = fake.addItem(standardItem());
      const exchanged = await client.itemPublicTokenExchange({
        public_token: [...fake.items.entries()].find(([, i]) => i === item)![0],
      });
      const balances: AccountsGetResponse = (
        await client.accountsBalanceGet({ access_token: exchanged.data.access_token })
      ).data;
      for (const account of balances.accounts) {
        expect(account.balances).toHaveProperty("iso_currency_code");
        expect(account).toHaveProperty("official_name");
      }
      expect(balances.item).toHaveProperty("available_products");
      const page = (
        await client.transactionsSync({ access_token: exchanged.data.access_token, count: 500 })
      ).data;
      expect(page.added.length).toBeGreaterThan(0);
      for (const transaction of page.added) {
        expect(transaction).toHaveProperty("payment_meta");
        expect(transaction).toHaveProperty("location");
      }
    });
  });
});

import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiKeys, auditLogs, merchants } from "~/db/schema/index";
import { createTestDatabase } from "~/db/testing";
import { authenticateApiKey } from "~/app/crm/api-keys.server";
import { ensureDecisioningDefaults } from "~/app/decisioning/seed.server";
import { centsToDollarInput, dollarsToCents } from "~/app/money/dollars";
import { FieldCipher } from "~/app/security/encryption.server";
import { basisPointsToPercent, percentToBasisPoints, type MerchantInput } from "./merchants-form";
import { parseFieldRoutesForm } from "./crm-forms.server";
import { parseMerchantForm } from "./merchants-form.server";
import {
  accountContext,
  connectMerchantFieldRoutes,
  createMerchant,
  createMerchantApiKey,
  disconnectMerchantCrm,
  getMerchant,
  listMerchants,
  MerchantFieldError,
  MerchantNotFoundError,
  merchantPlans,
  revokeMerchantApiKey,
  rotateMerchantApiKey,
  setMerchantStatus,
  updateMerchant,
  verifyMerchantCrm,
} from "./merchants.server";
import type { OperatorActor } from "./rules.server";

describe("dollars and percentages", () => {
  it("convert to cents and basis points exactly", () => {
    expect(dollarsToCents("1500")).toBe(150_000);
    expect(dollarsToCents("1,500.5")).toBe(150_050);
    expect(dollarsToCents("$ 25,000.00")).toBe(2_500_000);
    expect(dollarsToCents("0.29")).toBe(29); // 0.29 * 100 is 28.999… in floating point
    expect(dollarsToCents("1.005")).toBeNull();
    expect(dollarsToCents("1,50")).toBeNull();
    expect(dollarsToCents("-5")).toBeNull();
    expect(dollarsToCents("1e3")).toBeNull();
    expect(dollarsToCents("")).toBeNull();

    expect(percentToBasisPoints("3")).toBe(300);
    expect(percentToBasisPoints("2.5")).toBe(250);
    expect(percentToBasisPoints("3.25 %")).toBe(325);
    expect(percentToBasisPoints("0.07")).toBe(7); // 0.07 * 100 is 7.000000000000001
    expect(percentToBasisPoints("4.125")).toBeNull();
    expect(percentToBasisPoints("-1")).toBeNull();

    expect(centsToDollarInput(150_050)).toBe("1500.50");
    expect(basisPointsToPercent(325)).toBe("3.25");
    expect(basisPointsToPercent(7)).toBe("0.07");
  });

  it("round-trip for every amount and rate", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000_000 }), (cents) => {
        expect(dollarsToCents(centsToDollarInput(cents))).toBe(cents);
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 99_999 }), (bps) => {
        expect(percentToBasisPoints(basisPointsToPercent(bps))).toBe(bps);
      }),
    );
  });
});

function form(values: Record<string, string>) {
  const data = new FormData();
  for (const [name, value] of Object.entries(values)) data.set(name, value);
  return data;
}

const good = {
  name: "Bugs Be Gone",
  slug: "bugs-be-gone",
  minAmount: "500",
  maxAmount: "15,000",
  pricingPlan: "standard",
  merchantFee: "3.5",
  disbursementAccount: "0001-2345-6789",
};
const plans = ["standard", "promo_0apr_12"];

describe("the merchant form", () => {
  it("reads a valid form into stored units", () => {
    expect(parseMerchantForm(form(good), { mode: "create", plans })).toEqual({
      ok: true,
      value: {
        name: "Bugs Be Gone",
        slug: "bugs-be-gone",
        minAmountCents: 50_000,
        maxAmountCents: 1_500_000,
        pricingPlan: "standard",
        merchantFeeBps: 350,
        disbursementAccount: "000123456789",
      } satisfies MerchantInput,
    });
  });

  it("says what is wrong with each field, and never echoes the account number", () => {
    const result = parseMerchantForm(
      form({
        name: "B",
        slug: "Bugs_Be_Gone",
        minAmount: "20,000",
        maxAmount: "15000",
        pricingPlan: "gold",
        merchantFee: "25",
        disbursementAccount: "12ab",
      }),
      { mode: "create", plans },
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(Object.keys(result.errors).sort()).toEqual([
      "disbursementAccount",
      "maxAmount",
      "merchantFee",
      "name",
      "pricingPlan",
      "slug",
    ]);
    expect(result.errors.maxAmount).toBe("The largest amount must be at least the smallest");
    expect(result.errors.merchantFee).toBe(
      "Enter a percentage from 0 to 20.00, with at most two decimals",
    );
    expect(result.values).not.toHaveProperty("disbursementAccount");
    expect(result.values.minAmount).toBe("20,000");
  });

  it("requires an account on create, keeps the one on file on update, ignores the slug on update", () => {
    const withoutAccount = { ...good, disbursementAccount: "" };
    const created = parseMerchantForm(form(withoutAccount), { mode: "create", plans });
    expect(created.ok || created.errors.disbursementAccount).toBe(
      "Enter the account number the merchant is paid to",
    );
    const updated = parseMerchantForm(form({ ...withoutAccount, slug: "" }), {
      mode: "update",
      plans,
    });
    expect(updated.ok && updated.value.disbursementAccount).toBeNull();
  });

  it("refuses amounts outside the bounds", () => {
    const tooBig = parseMerchantForm(form({ ...good, maxAmount: "100,000.01" }), {
      mode: "create",
      plans,
    });
    expect(tooBig.ok || tooBig.errors.maxAmount).toMatch(/between \$1\.00 and \$100000\.00/);
    const zero = parseMerchantForm(form({ ...good, minAmount: "0" }), { mode: "create", plans });
    expect(zero.ok).toBe(false);
  });
});

describe("merchants in the database", () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  const cipher = new FieldCipher([{ id: "test", key: randomBytes(32) }]);
  const actor: OperatorActor = {
    actorType: "operator",
    actorId: "op_test",
    ip: "198.51.100.4",
    userAgent: "vitest",
  };
  const value = (overrides: Partial<MerchantInput> = {}): MerchantInput => ({
    name: "Bugs Be Gone",
    slug: `bugs-${Math.random().toString(36).slice(2, 8)}`,
    minAmountCents: 50_000,
    maxAmountCents: 1_500_000,
    pricingPlan: "standard",
    merchantFeeBps: 350,
    disbursementAccount: "000123456789",
    ...overrides,
  });
  const auditOf = (entityId: string) =>
    database.db.select().from(auditLogs).where(eq(auditLogs.entityId, entityId));

  beforeAll(async () => {
    database = await createTestDatabase();
    await ensureDecisioningDefaults(database);
  });
  afterAll(() => database.destroy());

  it("offers the published pricing's plans", async () => {
    expect(await merchantPlans(database)).toEqual(["standard", "promo_0apr_12"]);
  });

  it("creates a merchant with the account encrypted and only its last 4 readable, audited", async () => {
    const input = value();
    const { id } = await createMerchant(database, { value: input, actor, cipher });
    const row = (await database.db.query.merchants.findFirst({ where: eq(merchants.id, id) }))!;
    expect(row).toMatchObject({
      name: "Bugs Be Gone",
      slug: input.slug,
      status: "active",
      minAmountCents: 50_000,
      maxAmountCents: 1_500_000,
      merchantFeeBps: 350,
      disbursementAccountLast4: "6789",
    });
    expect(row.disbursementAccountEnc).not.toContain("000123456789");
    expect(cipher.decrypt(row.disbursementAccountEnc!, accountContext)).toBe("000123456789");
    const [entry] = await auditOf(id);
    expect(entry).toMatchObject({
      action: "merchant.create",
      actorId: "op_test",
      ip: "198.51.100.4",
      userAgent: "vitest",
      details: { slug: input.slug },
    });
    expect(JSON.stringify(entry)).not.toContain("000123456789");

    const listed = (await listMerchants(database)).find((m) => m.id === id);
    expect(listed).toMatchObject({ accountLast4: "6789", activeKeys: 0 });

    const taken = await createMerchant(database, { value: { ...input }, actor, cipher }).catch(
      (error: unknown) => error,
    );
    expect(taken).toBeInstanceOf(MerchantFieldError);
  });

  it("updates only what changed and audits the field names", async () => {
    const { id } = await createMerchant(database, { value: value(), actor, cipher });
    const unchanged = await updateMerchant(database, {
      merchantId: id,
      value: value({ disbursementAccount: null }),
      actor,
      cipher,
    });
    expect(unchanged.changed).toEqual([]);
    const changed = await updateMerchant(database, {
      merchantId: id,
      value: value({
        name: "Bugs Be Gone Inc.",
        merchantFeeBps: 400,
        pricingPlan: "promo_0apr_12",
        disbursementAccount: "99887766",
      }),
      actor,
      cipher,
    });
    expect(changed.changed.sort()).toEqual([
      "disbursementAccountEnc",
      "merchantFeeBps",
      "name",
      "pricingPlan",
    ]);
    const row = (await database.db.query.merchants.findFirst({ where: eq(merchants.id, id) }))!;
    expect(row).toMatchObject({ name: "Bugs Be Gone Inc.", disbursementAccountLast4: "7766" });
    expect(cipher.decrypt(row.disbursementAccountEnc!, accountContext)).toBe("99887766");
    const updates = (await auditOf(id)).filter((e) => e.action === "merchant.update");
    expect(updates).toHaveLength(1);
    expect(JSON.stringify(updates[0]!.details)).not.toContain("99887766");
  });

  it("suspends and reactivates: a suspended merchant's key is refused", async () => {
    const { id } = await createMerchant(database, { value: value(), actor, cipher });
    const key = await createMerchantApiKey(database, {
      merchantId: id,
      mode: "test",
      name: "FieldRoutes",
      expiresInDays: 30,
      actor,
    });
    expect(await authenticateApiKey(database, key.key)).toMatchObject({ keyId: key.id });
    expect(
      await setMerchantStatus(database, { merchantId: id, status: "suspended", actor }),
    ).toEqual({ changed: true });
    expect(await authenticateApiKey(database, key.key)).toBe("merchant_suspended");
    expect(
      await setMerchantStatus(database, { merchantId: id, status: "suspended", actor }),
    ).toEqual({ changed: false });
    await setMerchantStatus(database, { merchantId: id, status: "active", actor });
    expect(await authenticateApiKey(database, key.key)).toMatchObject({ keyId: key.id });
    expect((await auditOf(id)).map((e) => e.action)).toEqual([
      "merchant.create",
      "merchant.suspend",
      "merchant.reactivate",
    ]);
  });

  it("creates, rotates and revokes keys of this merchant only", async () => {
    const { id } = await createMerchant(database, { value: value(), actor, cipher });
    const other = await createMerchant(database, { value: value(), actor, cipher });
    const key = await createMerchantApiKey(database, {
      merchantId: id,
      mode: "live",
      name: "FieldRoutes",
      expiresInDays: 30,
      actor,
    });
    expect(key.key).toMatch(/^fp_live_/);
    const { keys } = await getMerchant(database, id);
    expect(keys).toHaveLength(1);
    expect(keys[0]!.keyHash).not.toContain(key.key);

    // Another merchant's screen cannot touch this key.
    const foreign = await revokeMerchantApiKey(database, {
      merchantId: other.id,
      keyId: key.id,
      actor,
    }).catch((error: unknown) => error);
    expect(foreign).toBeInstanceOf(MerchantNotFoundError);

    const rotated = await rotateMerchantApiKey(database, {
      merchantId: id,
      keyId: key.id,
      overlapHours: 2,
      actor,
    });
    expect(rotated.oldKeyExpiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 2 * 3600_000);
    expect(await authenticateApiKey(database, key.key)).toMatchObject({ keyId: key.id });
    expect(await authenticateApiKey(database, rotated.key)).toMatchObject({ keyId: rotated.id });

    await revokeMerchantApiKey(database, { merchantId: id, keyId: rotated.id, actor });
    expect(await authenticateApiKey(database, rotated.key)).toBe("invalid");
    const revoked = await database.db.query.apiKeys.findFirst({
      where: eq(apiKeys.id, rotated.id),
    });
    expect(revoked!.revokedAt).toBeInstanceOf(Date);
    const keyAudit = await database.db
      .select()
      .from(auditLogs)
      .where(eq(auditLogs.entityType, "api_key"));
    expect(
      keyAudit
        .filter((e) => e.entityId === key.id || e.entityId === rotated.id)
        .map((e) => [e.action, e.ip]),
    ).toEqual([
      ["api_key.create", "198.51.100.4"],
      ["api_key.rotate", "198.51.100.4"],
      ["api_key.revoke", "198.51.100.4"],
    ]);
    expect(await getMerchant(database, "mer_nope").catch((error: unknown) => error)).toBeInstanceOf(
      MerchantNotFoundError,
    );
  });

  it("connects FieldRoutes only after a successful test call, verifies and disconnects it", async () => {
    const { id } = await createMerchant(database, { value: value(), actor, cipher });
    const credentials = (fields: Record<string, string>) =>
      parseFieldRoutesForm(
        form({ authenticationKey: " key ", authenticationToken: "token", ...fields }),
        { sandboxAllowed: true },
      );
    const failing = credentials({ subdomain: "fail", sandbox: "on" });
    if (!failing.ok) throw new Error(failing.error);
    const refused = await connectMerchantFieldRoutes(database, {
      merchantId: id,
      value: failing.value,
      actor,
    });
    expect(refused).toMatchObject({ ok: false, code: "AUTH_REJECTED" });
    expect((await getMerchant(database, id)).connections).toEqual([]);

    const good = credentials({ subdomain: "Acme-Pest", sandbox: "on" });
    expect(good).toEqual({
      ok: true,
      value: {
        subdomain: "acme-pest",
        authenticationKey: "key",
        authenticationToken: "token",
        officeId: null,
        sandbox: true,
      },
    });
    if (!good.ok) return;
    const connected = await connectMerchantFieldRoutes(database, {
      merchantId: id,
      value: good.value,
      actor,
    });
    expect(connected.ok).toBe(true);
    const [connection] = (await getMerchant(database, id)).connections;
    expect(connection).toMatchObject({ status: "connected", subdomain: "acme-pest" });
    expect(connection!.credentialsEnc).not.toContain("token");

    expect(
      await verifyMerchantCrm(database, { merchantId: id, connectionId: connection!.id, actor }),
    ).toMatchObject({ ok: true });
    const other = await createMerchant(database, { value: value(), actor, cipher });
    const foreign = await disconnectMerchantCrm(database, {
      merchantId: other.id,
      connectionId: connection!.id,
      actor,
    }).catch((error: unknown) => error);
    expect(foreign).toBeInstanceOf(MerchantNotFoundError);
    expect(
      await disconnectMerchantCrm(database, {
        merchantId: id,
        connectionId: connection!.id,
        actor,
      }),
    ).toBe(true);
    const [after] = (await getMerchant(database, id)).connections;
    expect(after).toMatchObject({ status: "disconnected", credentialsEnc: null });
    const actions = (
      await database.db.select().from(auditLogs).where(eq(auditLogs.actorId, "op_test"))
    )
      .map((e) => e.action)
      .filter((a) => a.startsWith("crm_connection."));
    expect(actions).toEqual([
      "crm_connection.verify_failed",
      "crm_connection.connect",
      "crm_connection.verify",
      "crm_connection.disconnect",
    ]);
  });

  it("checks the FieldRoutes form; the sandbox only where it is allowed", () => {
    const base = { subdomain: "acme", authenticationKey: "k", authenticationToken: "t" };
    expect(
      parseFieldRoutesForm(form({ ...base, subdomain: "acme.fieldroutes.com" }), {
        sandboxAllowed: true,
      }),
    ).toMatchObject({ ok: false, error: expect.stringMatching(/subdomain/) });
    expect(
      parseFieldRoutesForm(form({ ...base, authenticationToken: "" }), {
        sandboxAllowed: true,
      }),
    ).toMatchObject({ ok: false });
    expect(
      parseFieldRoutesForm(form({ ...base, officeId: "x1" }), { sandboxAllowed: true }),
    ).toMatchObject({ ok: false, error: expect.stringMatching(/office id/) });
    const production = parseFieldRoutesForm(form({ ...base, sandbox: "on", officeId: "12" }), {
      sandboxAllowed: false,
    });
    expect(production).toMatchObject({ ok: true, value: { sandbox: false, officeId: "12" } });
  });
});

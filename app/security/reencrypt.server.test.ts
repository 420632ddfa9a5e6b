import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import { getTableConfig, SQLiteTable } from "drizzle-orm/sqlite-core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase } from "~/db/testing";
import * as schema from "~/db/schema/index";
import { FieldCipher } from "./encryption.server";
import { encryptedColumns, encryptionContext, reencryptAll } from "./reencrypt.server";

const k1 = { id: "k1", key: randomBytes(32) };
const k2 = { id: "k2", key: randomBytes(32) };
const oldCipher = new FieldCipher([k1]);
const rotated = new FieldCipher([k2, k1]);
const newOnly = new FieldCipher([k2]);

type TestDatabase = Awaited<ReturnType<typeof createTestDatabase>>;
let database: TestDatabase;

beforeEach(async () => {
  database = await createTestDatabase();
});
afterEach(() => database.destroy());

/** The plaintext we expect in each encrypted column of row `n`. */
const plain = (column: string, n: number) => `${column}-${n}`;

/** `count` rows in every table with an encrypted column, each such column encrypted by `cipher`. */
async function seed(cipher: FieldCipher, count: number) {
  const enc = (table: string, column: string, n: number) => {
    const spec = encryptedColumns.find((c) => c.table === table && c.column === column)!;
    return cipher.encrypt(plain(column, n), spec.context);
  };
  await database.write(async (tx) => {
    for (let n = 0; n < count; n++) {
      const id = String(n).padStart(4, "0");
      await tx.insert(schema.merchants).values({
        id: `mer_${id}`,
        name: `M ${n}`,
        slug: `m-${n}`,
        disbursementAccountEnc: enc("merchants", "disbursement_account_enc", n),
      });
      await tx.insert(schema.operators).values({
        id: `op_${id}`,
        email: `op${n}@flowpay.test`,
        name: `Op ${n}`,
        role: "support",
        passwordHash: "x",
        totpSecretEnc: enc("operators", "totp_secret_enc", n),
      });
      await tx.insert(schema.customers).values({
        id: `cus_${id}`,
        merchantId: `mer_${id}`,
        crmCustomerId: `c${n}`,
        firstName: "A",
        lastName: "B",
        phone: "+15555550100",
        ssnEnc: enc("customers", "ssn_enc", n),
        dateOfBirthEnc: enc("customers", "date_of_birth_enc", n),
      });
      await tx.insert(schema.serviceJobs).values({
        id: `job_${id}`,
        merchantId: `mer_${id}`,
        customerId: `cus_${id}`,
        crmJobId: `j${n}`,
        estimateCents: 100_000,
      });
      await tx.insert(schema.applications).values({
        id: `app_${id}`,
        merchantId: `mer_${id}`,
        customerId: `cus_${id}`,
        serviceJobId: `job_${id}`,
        crm: "fieldroutes",
        amountCents: 100_000,
        plaidAccessTokenEnc: enc("applications", "plaid_access_token_enc", n),
      });
      await tx.insert(schema.crmConnections).values({
        id: `crm_${id}`,
        merchantId: `mer_${id}`,
        crm: "fieldroutes",
        authKind: "oauth",
        credentialsEnc: enc("crm_connections", "credentials_enc", n),
        accessTokenEnc: enc("crm_connections", "access_token_enc", n),
        refreshTokenEnc: enc("crm_connections", "refresh_token_enc", n),
      });
    }
  });
}

async function values(table: string, column: string) {
  return database.db.all<{ id: string; value: string | null }>(
    sql`SELECT id, ${sql.identifier(column)} AS value FROM ${sql.identifier(table)} ORDER BY id`,
  );
}

describe("encryptedColumns", () => {
  it("lists every *_enc column of the schema, each with its table.column context", () => {
    const inSchema = Object.values(schema as Record<string, unknown>)
      .filter((value): value is SQLiteTable => value instanceof SQLiteTable)
      .flatMap((table) => {
        const config = getTableConfig(table);
        return config.columns
          .filter((column) => column.name.endsWith("_enc"))
          .map((column) => `${config.name}.${column.name}`);
      });
    expect(encryptedColumns.map((c) => `${c.table}.${c.column}`).sort()).toEqual(inSchema.sort());
    for (const c of encryptedColumns) {
      expect(c.context).toBe(`${c.table}.${c.column.replace(/_enc$/, "")}`);
    }
    expect(encryptionContext("customers", "ssn_enc")).toBe("customers.ssn");
  });
});

describe("reencryptAll", () => {
  it("moves every value to the newest key in batches, keeps plaintexts, and is idempotent", async () => {
    await seed(oldCipher, 5);
    // Some values already under the new key, some columns empty: both are left alone.
    const already = rotated.encrypt("already", "customers.ssn");
    await database.db.run(sql`UPDATE customers SET ssn_enc = ${already} WHERE id = 'cus_0000'`);
    await database.db.run(sql`UPDATE customers SET date_of_birth_enc = NULL WHERE id = 'cus_0001'`);
    const updatedAtBefore = await database.db.all(sql`SELECT id, updated_at FROM customers`);

    const report = await reencryptAll(database, rotated, {
      batchSize: 2,
      actor: { actorType: "cli", actorId: "tester" },
    });

    expect(report.keyId).toBe("k2");
    const byColumn = Object.fromEntries(report.columns.map((c) => [`${c.table}.${c.column}`, c]));
    expect(byColumn["customers.ssn_enc"]).toMatchObject({ found: 4, reencrypted: 4, remaining: 0 });
    expect(byColumn["customers.date_of_birth_enc"]).toMatchObject({ reencrypted: 4 });
    expect(byColumn["crm_connections.refresh_token_enc"]).toMatchObject({ reencrypted: 5 });
    expect(report.totals).toEqual({
      found: 5 * 8 - 2,
      reencrypted: 5 * 8 - 2,
      changedMeanwhile: 0,
      failed: 0,
      remaining: 0,
    });

    for (const c of encryptedColumns) {
      for (const row of await values(c.table, c.column)) {
        if (row.value === null) continue;
        expect(FieldCipher.keyIdOf(row.value)).toBe("k2");
        const n = Number(row.id.split("_")[1]);
        const expected = c.column === "ssn_enc" && n === 0 ? "already" : plain(c.column, n);
        // Decrypts with the new key alone, under the column's own context.
        expect(newOnly.decrypt(row.value, c.context)).toBe(expected);
      }
    }
    expect(await values("customers", "ssn_enc")).toContainEqual({ id: "cus_0000", value: already });
    // Re-encryption is not a change of the record.
    expect(await database.db.all(sql`SELECT id, updated_at FROM customers`)).toEqual(
      updatedAtBefore,
    );
    const audits = await database.db.all<{ action: string; actor_id: string }>(
      sql`SELECT action, actor_id FROM audit_logs WHERE action = 'encryption.reencrypt'`,
    );
    expect(audits).toEqual([{ action: "encryption.reencrypt", actor_id: "tester" }]);

    const again = await reencryptAll(database, rotated, { batchSize: 2 });
    expect(again.totals).toEqual({
      found: 0,
      reencrypted: 0,
      changedMeanwhile: 0,
      failed: 0,
      remaining: 0,
    });
  });

  it("reports values no configured key decrypts and leaves them alone", async () => {
    await seed(oldCipher, 2);
    const lost = new FieldCipher([{ id: "k0", key: randomBytes(32) }]).encrypt(
      "x",
      "customers.ssn",
    );
    await database.db.run(sql`UPDATE customers SET ssn_enc = ${lost} WHERE id = 'cus_0001'`);
    // A value moved from another column fails its context check.
    const moved = oldCipher.encrypt("y", "customers.date_of_birth");
    await database.db.run(
      sql`UPDATE merchants SET disbursement_account_enc = ${moved} WHERE id = 'mer_0000'`,
    );

    const report = await reencryptAll(database, rotated);

    const ssn = report.columns.find((c) => c.column === "ssn_enc")!;
    expect(ssn).toMatchObject({ found: 2, reencrypted: 1, failed: 1, remaining: 1 });
    expect(ssn.failures).toEqual([{ id: "cus_0001", reason: 'Unknown encryption key id "k0"' }]);
    const account = report.columns.find((c) => c.column === "disbursement_account_enc")!;
    expect(account).toMatchObject({ reencrypted: 1, failed: 1, remaining: 1 });
    expect(account.failures[0]!.id).toBe("mer_0000");
    expect(report.totals).toMatchObject({ failed: 2, remaining: 2 });
    expect(await values("customers", "ssn_enc")).toContainEqual({ id: "cus_0001", value: lost });
  });

  it("never overwrites a value the application changed between read and write", async () => {
    await seed(oldCipher, 2);
    const written = rotated.encrypt("changed by the app", "customers.ssn");
    let pending: Promise<unknown> | undefined;
    // While the batch is being re-encrypted (outside any transaction), the application writes
    // cus_0000's SSN; its write is queued ahead of the batch's.
    class RacingCipher extends FieldCipher {
      override encrypt(plaintext: string, context: string) {
        if (context === "customers.ssn" && !pending) {
          pending = database.write((tx) =>
            tx.run(sql`UPDATE customers SET ssn_enc = ${written} WHERE id = 'cus_0000'`),
          );
        }
        return super.encrypt(plaintext, context);
      }
    }
    const report = await reencryptAll(database, new RacingCipher([k2, k1]));
    await pending;
    const ssn = report.columns.find((c) => c.column === "ssn_enc")!;
    expect(ssn).toMatchObject({ found: 2, reencrypted: 1, changedMeanwhile: 1, remaining: 0 });
    expect(await values("customers", "ssn_enc")).toContainEqual({ id: "cus_0000", value: written });
  });

  it("writes nothing in a dry run", async () => {
    await seed(oldCipher, 3);
    const before = await values("operators", "totp_secret_enc");
    const report = await reencryptAll(database, rotated, { dryRun: true });
    expect(report.dryRun).toBe(true);
    expect(report.totals).toMatchObject({ found: 24, reencrypted: 0, remaining: 24 });
    expect(await values("operators", "totp_secret_enc")).toEqual(before);
  });
});

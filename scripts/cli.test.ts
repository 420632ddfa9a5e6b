import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createClient } from "@libsql/client";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "~/db/client";
import { sha256Hex } from "~/app/security/hash.server";
import { FieldCipher } from "~/app/security/encryption.server";
import { verifyPassword } from "~/app/security/password.server";
import { verifyTotp } from "~/app/security/totp.server";
import { encryptedColumns } from "~/app/security/reencrypt.server";
import { demo } from "~/app/demo/seed.server";

/**
 * The operator CLI as operators run it: a subprocess (`tsx scripts/cli.ts …`) against its own
 * DATA_DIR and database file, with FLOWPAY_ENV=test. Tests in this file run in order and share
 * the database; each one creates the rows it checks.
 */
const root = fileURLToPath(new URL("..", import.meta.url));
const tsx = join(root, "node_modules/.bin/tsx");
const k1 = { id: "k1", key: randomBytes(32) };
const k2 = { id: "k2", key: randomBytes(32) };
const keyList = (...keys: { id: string; key: Buffer }[]) =>
  keys.map((k) => `${k.id}:${k.key.toString("base64")}`).join(",");

let dir: string;
let dbFile: string;
let database: Database;

type Run = { code: number | null; stdout: string; stderr: string };

function start(args: string[], env: Record<string, string> = {}) {
  return spawn(tsx, ["scripts/cli.ts", ...args], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TMPDIR: process.env.TMPDIR,
      NODE_ENV: "test",
      FLOWPAY_ENV: "test",
      DATA_DIR: dir,
      DATABASE_URL: `file:${dbFile}`,
      ENCRYPTION_KEYS: keyList(k1),
      ...env,
    },
  });
}

function finished(child: ChildProcess): Promise<Run> {
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk) => (stdout += chunk));
  child.stderr!.on("data", (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const cli = (args: string[], env?: Record<string, string>) => finished(start(args, env));

/** Runs with --json and parses the one object on stdout. */
async function cliJson(args: string[], env?: Record<string, string>) {
  const run = await cli(["--json", ...args], env);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as Record<string, unknown>;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "flowpay-cli-"));
  dbFile = join(dir, "x.db");
});
afterAll(() => {
  database?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("flowpay CLI", () => {
  it("lists its commands, and rejects unknown ones with exit code 2", async () => {
    const [help, unknown] = await Promise.all([cli(["--help"]), cli(["payments", "run"])]);
    expect(help.code).toBe(0);
    for (const command of ["db migrate", "db backup <file>", "api-key create", "api-key revoke"]) {
      expect(help.stdout).toContain(command);
    }
    expect(help.stdout).toMatch(/user create .*--role admin\|underwriter\|risk_analyst\|support/);
    expect(help.stdout).toContain("keys reencrypt");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown command "payments"');
  });

  it("db migrate applies the migrations and reports how many", async () => {
    const first = await cliJson(["db", "migrate"]);
    expect(first.applied).toBeGreaterThanOrEqual(2);
    const second = await cli(["db", "migrate"]);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain("up to date");
    database = await openDatabase({ url: `file:${dbFile}` });
    await database.write((tx) =>
      tx.run(
        sql`INSERT INTO merchants (id, name, slug, created_at, updated_at) VALUES ('mer_cli', 'CLI Co', 'cli-co', 0, 0)`,
      ),
    );
  });

  it("api-key create prints the key once and stores only its hash; revoke revokes it", async () => {
    const created = await cliJson([
      "api-key",
      "create",
      "--merchant",
      "cli-co",
      "--mode",
      "live",
      "--name",
      "ci",
      "--expires-days",
      "30",
    ]);
    expect(Object.keys(created).sort()).toEqual(
      ["expiresAt", "id", "key", "merchant", "merchantId", "mode", "prefix"].sort(),
    );
    const key = created.key as string;
    expect(key).toMatch(/^fp_live_[\w-]{32}$/);
    expect(created).toMatchObject({ merchant: "cli-co", merchantId: "mer_cli", mode: "live" });
    expect(key.startsWith(created.prefix as string)).toBe(true);
    const days = (Date.parse(created.expiresAt as string) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);

    const row = await database.db.get<Record<string, unknown>>(
      sql`SELECT * FROM api_keys WHERE id = ${created.id as string}`,
    );
    expect(row).toMatchObject({
      key_hash: sha256Hex(key),
      mode: "live",
      name: "ci",
      revoked_at: null,
    });
    expect(JSON.stringify(row)).not.toContain(key);

    const revoked = await cli(["api-key", "revoke", created.id as string]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toContain(`API key ${created.id as string} revoked`);
    const after = await database.db.get<{ revoked_at: number | null }>(
      sql`SELECT revoked_at FROM api_keys WHERE id = ${created.id as string}`,
    );
    expect(after?.revoked_at).toEqual(expect.any(Number));
  });

  it("api-key create in human output, and a clear failure for an unknown merchant", async () => {
    const [human, missing] = await Promise.all([
      cli(["api-key", "create", "--merchant", "cli-co"]),
      cli(["--json", "api-key", "create", "--merchant", "no-such-merchant"]),
    ]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/key\s+fp_test_[\w-]{32}\n/);
    expect(human.stdout).toContain("shown only this once");
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe("");
    expect(JSON.parse(missing.stderr)).toEqual({
      error: { message: 'No merchant with slug "no-such-merchant"', code: "not_found" },
    });
  });

  it("user create prints a working password and TOTP secret once", async () => {
    const created = await cliJson([
      "user",
      "create",
      "--email",
      "Ops@Example.com",
      "--role",
      "underwriter",
    ]);
    expect(created).toMatchObject({ email: "ops@example.com", role: "underwriter" });
    const row = await database.db.get<{ password_hash: string; totp_secret_enc: string }>(
      sql`SELECT password_hash, totp_secret_enc FROM operators WHERE id = ${created.id as string}`,
    );
    expect(await verifyPassword(created.password as string, row!.password_hash)).toBe(true);
    const secret = new FieldCipher([k1]).decrypt(row!.totp_secret_enc, "operators.totp_secret");
    expect(secret).toBe(created.totpSecret);
    expect(created.otpauthUri).toMatch(/^otpauth:\/\/totp\/.*secret=/);
    expect(created.otpauthUri).toContain(`secret=${secret}`);
  });

  it("rejects a bad role (exit 2) and bad configuration naming the variable (exit 1)", async () => {
    const [badRole, badRoleJson, badConfig] = await Promise.all([
      cli(["user", "create", "--email", "x@example.com", "--role", "boss"]),
      cli(["user", "create", "--email", "x@example.com", "--role", "boss", "--json"]),
      cli(["db", "migrate"], { PORT: "abc" }),
    ]);
    expect(badRole.code).toBe(2);
    expect(badRole.stderr).toContain(
      '--role must be one of admin, underwriter, risk_analyst, support (got "boss")',
    );
    expect(badRoleJson.code).toBe(2);
    expect(JSON.parse(badRoleJson.stderr).error.message).toContain("--role must be one of");
    expect(badConfig.code).toBe(1);
    expect(badConfig.stderr).toMatch(/Invalid configuration:\n\s+PORT: /);
  });

  it("demo totp prints the demo operator's code, but not in production", async () => {
    const [code, production] = await Promise.all([
      cliJson(["demo", "totp"]),
      cli(["demo", "totp"], {
        FLOWPAY_ENV: "production",
        SESSION_SECRET: "s".repeat(32),
        // Production's other requirements, so the refusal is the demo command's own.
        METRICS_TOKEN: "m".repeat(32),
        APP_URL: "https://flowpay.test",
        SANDBOX_PARTNERS: "experian,plaid,persona,twilio,email,lender",
      }),
    ]);
    expect(code.email).toBe(demo.operatorEmail);
    expect(await verifyTotp(demo.operatorTotpSecret, code.code as string)).toBe(true);
    expect(production.code).toBe(1);
    expect(production.stderr).toContain("not available when FLOWPAY_ENV=production");
  });

  it("db backup copies a consistent snapshot while another process keeps writing", async () => {
    await database.serialized(() =>
      database.client.execute(
        "CREATE TABLE churn (id INTEGER PRIMARY KEY, tx INTEGER NOT NULL, payload TEXT NOT NULL)",
      ),
    );
    // A few MB already there, so the copy takes a while.
    await database.write(async (tx) => {
      for (let i = 0; i < 4000; i++) {
        await tx.run(sql`INSERT INTO churn (tx, payload) VALUES (${-i}, ${"x".repeat(1000)})`);
        await tx.run(sql`INSERT INTO churn (tx, payload) VALUES (${-i}, ${"y".repeat(1000)})`);
      }
    });
    // The writer: another process committing two-row transactions as fast as it can.
    const writerCode = `
      import { createClient } from "@libsql/client";
      const client = createClient({ url: process.env.URL, timeout: 5000 });
      for (let tx = 1; ; tx++) {
        await client.batch([
          { sql: "INSERT INTO churn (tx, payload) VALUES (?, ?)", args: [tx, "a".repeat(500)] },
          { sql: "INSERT INTO churn (tx, payload) VALUES (?, ?)", args: [tx, "b".repeat(500)] },
        ], "write");
        if (tx === 20) console.log("writing");
      }`;
    const writer = spawn(process.execPath, ["--input-type=module", "-e", writerCode], {
      cwd: root,
      env: { PATH: process.env.PATH, NODE_ENV: "test", URL: `file:${dbFile}` },
      stdio: ["ignore", "pipe", "inherit"],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        writer.stdout.once("data", () => resolve());
        writer.once("exit", (code) => reject(new Error(`writer exited with ${code}`)));
      });
      const count = async () =>
        (await database.db.get<{ n: number }>(sql`SELECT count(*) AS n FROM churn`))!.n;
      const before = await count();

      const backupFile = join(dir, "backups", "flowpay-backup.db");
      const result = await cliJson(["db", "backup", backupFile]);
      expect(result).toMatchObject({ path: backupFile, integrity: "ok" });
      const after = await count();
      expect(after).toBeGreaterThan(before); // the writer kept committing meanwhile

      const copy = createClient({ url: `file:${backupFile}` });
      try {
        const integrity = await copy.execute("PRAGMA integrity_check");
        expect(integrity.rows[0]![0]).toBe("ok");
        const stats = await copy.execute(
          "SELECT count(*) AS n, max(id) AS max_id, count(DISTINCT tx) AS txs FROM churn",
        );
        const { n, max_id, txs } = stats.rows[0]!;
        // Everything committed before the backup started, as a gap-free prefix of whole transactions.
        expect(Number(n)).toBeGreaterThanOrEqual(before);
        expect(Number(max_id)).toBe(Number(n));
        expect(Number(n)).toBe(2 * Number(txs));
        // It is a real copy of the schema too.
        const merchants = await copy.execute("SELECT slug FROM merchants");
        expect(merchants.rows.map((r) => r.slug)).toEqual(["cli-co"]);
      } finally {
        copy.close();
      }

      const again = await cli(["db", "backup", backupFile]);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain("Refusing to overwrite");
    } finally {
      writer.kill();
    }
  });

  it("keys reencrypt moves every value to a new first key, then has nothing left to do", async () => {
    const old = new FieldCipher([k1]);
    await database.write(async (tx) => {
      await tx.run(
        sql`UPDATE merchants SET disbursement_account_enc = ${old.encrypt("000123456789", "merchants.disbursement_account")} WHERE id = 'mer_cli'`,
      );
      await tx.run(
        sql`INSERT INTO customers (id, merchant_id, crm_customer_id, first_name, last_name, phone, ssn_enc, date_of_birth_enc, created_at, updated_at)
            VALUES ('cus_cli', 'mer_cli', 'c1', 'Ann', 'Lee', '+15555550100', ${old.encrypt("123-45-6789", "customers.ssn")}, ${old.encrypt("1990-01-01", "customers.date_of_birth")}, 0, 0)`,
      );
      await tx.run(
        sql`INSERT INTO crm_connections (id, merchant_id, crm, auth_kind, status, credentials_enc, access_token_enc, refresh_token_enc, created_at, updated_at)
            VALUES ('crm_cli', 'mer_cli', 'fieldroutes', 'oauth', 'connected', ${old.encrypt("{}", "crm_connections.credentials")}, ${old.encrypt("at", "crm_connections.access_token")}, ${old.encrypt("rt", "crm_connections.refresh_token")}, 0, 0)`,
      );
    });
    // Plus the operator's TOTP secret written by `user create` above: 7 values under k1.
    const rotatedKeys = { ENCRYPTION_KEYS: keyList(k2, k1) };

    const report = await cliJson(["keys", "reencrypt"], rotatedKeys);
    expect(report).toMatchObject({
      keyId: "k2",
      totals: { found: 7, reencrypted: 7, failed: 0, remaining: 0 },
    });
    const newOnly = new FieldCipher([k2]);
    let checked = 0;
    for (const c of encryptedColumns) {
      const rows = await database.db.all<{ value: string }>(
        sql`SELECT ${sql.identifier(c.column)} AS value FROM ${sql.identifier(c.table)} WHERE ${sql.identifier(c.column)} IS NOT NULL`,
      );
      for (const { value } of rows) {
        expect(FieldCipher.keyIdOf(value)).toBe("k2");
        expect(() => newOnly.decrypt(value, c.context)).not.toThrow();
        checked += 1;
      }
    }
    expect(checked).toBe(7);
    const ssn = await database.db.get<{ ssn_enc: string }>(sql`SELECT ssn_enc FROM customers`);
    expect(newOnly.decrypt(ssn!.ssn_enc, "customers.ssn")).toBe("123-45-6789");

    const second = await cli(["keys", "reencrypt"], rotatedKeys);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('Re-encrypted 0 value(s) under key "k2"');
  });
});

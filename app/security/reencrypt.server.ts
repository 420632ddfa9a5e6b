import { sql } from "drizzle-orm";
import type { Database } from "~/db/client";
import { audit, type AuditEntry } from "~/app/audit/audit.server";
import type { FieldCipher } from "~/app/security/encryption.server";

/**
 * THE list of encrypted columns (values written by FieldCipher). The context bound as AAD is
 * always `${table}.${column without _enc}`; encrypt and decrypt with `encryptionContext(…)`
 * or these literals so a value only ever decrypts in the column it was written to.
 * A test checks this list against every `*_enc` column of the drizzle schema.
 */
function column<T extends string, N extends string>(table: T, name: N) {
  return { table, column: `${name}_enc` as const, context: `${table}.${name}` as const };
}

export const encryptedColumns = [
  column("merchants", "disbursement_account"),
  column("operators", "totp_secret"),
  column("merchant_users", "totp_secret"),
  column("customers", "ssn"),
  column("customers", "date_of_birth"),
  column("applications", "plaid_access_token"),
  column("crm_connections", "credentials"),
  column("crm_connections", "access_token"),
  column("crm_connections", "refresh_token"),
  // Pending OAuth authorizations: the PKCE code verifier (rows live 10 minutes).
  column("oauth_states", "code_verifier"),
  // Texts carry borrower link tokens, so their bodies are encrypted too.
  column("messages", "body"),
  // The borrower link token, so a repeated offer can answer with the current link (ADR 026).
  column("application_links", "token"),
  // The prequalification link token, as for an application's link (ADR 066).
  column("prequalifications", "token"),
  // Borrowers' documents for funding conditions (base64 of the file, ADR 035).
  column("condition_uploads", "bytes"),
  // A borrower's answer to an underwriter's information request and its document (ADR 076).
  column("info_requests", "answer"),
  column("info_requests", "bytes"),
  // Outbound webhook signing secrets (ADR 063) and sign-ups' payout accounts (ADR 065).
  column("webhook_endpoints", "secret"),
  column("merchant_applications", "account_number"),
  // Not listed: idempotency_keys.response_body ("idempotency_keys.response_body") lives 24 h;
  // keep a retired key configured for a day after rotation instead of re-encrypting it.
] as const;

export type EncryptedColumn = (typeof encryptedColumns)[number];
/** "customers.ssn", "operators.totp_secret", …: the AAD of each encrypted column. */
export type EncryptionContext = EncryptedColumn["context"];

/** The context of `table.column` (e.g. ("customers", "ssn_enc") → "customers.ssn"). */
export function encryptionContext<T extends EncryptedColumn["table"]>(
  table: T,
  column: Extract<EncryptedColumn, { table: T }>["column"],
): EncryptionContext {
  const entry = encryptedColumns.find((c) => c.table === table && c.column === column);
  if (!entry) throw new Error(`${table}.${column} is not an encrypted column`);
  return entry.context;
}

export type ColumnReport = {
  table: string;
  column: string;
  /** Values found under an older key (or unreadable) when the run started its pass. */
  found: number;
  /** Values rewritten under the newest key. */
  reencrypted: number;
  /** Values changed by someone else between our read and our write (left as they were). */
  changedMeanwhile: number;
  /** Values that could not be decrypted with the configured keys (left as they were). */
  failed: number;
  /** Up to 5 of the failures: row id and reason (never the value). */
  failures: { id: string; reason: string }[];
  /** Values still not under the newest key after the run. */
  remaining: number;
};

export type ReencryptReport = {
  keyId: string;
  dryRun: boolean;
  columns: ColumnReport[];
  totals: {
    found: number;
    reencrypted: number;
    changedMeanwhile: number;
    failed: number;
    remaining: number;
  };
};

export type ReencryptOptions = {
  /** Rows per read and per write transaction (default 500). */
  batchSize?: number;
  /** Count and test-decrypt, write nothing. */
  dryRun?: boolean;
  /** Who asked (an audit record is written when anything was re-encrypted). */
  actor?: Pick<AuditEntry, "actorType" | "actorId">;
};

/**
 * Re-encrypts every encrypted value that is not under the cipher's newest key (key rotation:
 * put the new key first in ENCRYPTION_KEYS, keep the old ones, restart the servers, run this,
 * then drop the old keys once `remaining` is 0 everywhere).
 *
 * Per column, rows are read in id order in batches outside any transaction, decrypted and
 * re-encrypted in memory, then written in one `database.write` per batch with a compare-and-set
 * (`WHERE id = ? AND col = <the value we read>`), so a value the application changed meanwhile
 * is never overwritten with stale data. Values that do not decrypt are reported and left alone.
 * Running it again finds nothing to do.
 */
export async function reencryptAll(
  database: Database,
  cipher: FieldCipher,
  options: ReencryptOptions = {},
): Promise<ReencryptReport> {
  const batchSize = options.batchSize ?? 500;
  const dryRun = options.dryRun ?? false;
  const prefix = `v1.${cipher.currentKeyId}.`;
  const columns: ColumnReport[] = [];
  for (const spec of encryptedColumns) {
    columns.push(await reencryptColumn(database, cipher, spec, prefix, batchSize, dryRun));
  }
  const totals = {
    found: sum(columns, "found"),
    reencrypted: sum(columns, "reencrypted"),
    changedMeanwhile: sum(columns, "changedMeanwhile"),
    failed: sum(columns, "failed"),
    remaining: sum(columns, "remaining"),
  };
  if (!dryRun && totals.reencrypted > 0) {
    await database.write((tx) =>
      audit(tx, {
        actorType: options.actor?.actorType ?? "system",
        actorId: options.actor?.actorId ?? null,
        action: "encryption.reencrypt",
        details: {
          key_id: cipher.currentKeyId,
          reencrypted: Object.fromEntries(
            columns.map((c) => [`${c.table}.${c.column}`, c.reencrypted]),
          ),
          failed: totals.failed,
        },
      }),
    );
  }
  return { keyId: cipher.currentKeyId, dryRun, columns, totals };
}

async function reencryptColumn(
  database: Database,
  cipher: FieldCipher,
  spec: EncryptedColumn,
  prefix: string,
  batchSize: number,
  dryRun: boolean,
): Promise<ColumnReport> {
  const table = sql.identifier(spec.table);
  const column = sql.identifier(spec.column);
  // substr rather than LIKE: LIKE ignores case, key ids do not.
  const notCurrent = sql`${column} IS NOT NULL AND substr(${column}, 1, ${prefix.length}) <> ${prefix}`;
  const report: ColumnReport = {
    table: spec.table,
    column: spec.column,
    found: 0,
    reencrypted: 0,
    changedMeanwhile: 0,
    failed: 0,
    failures: [],
    remaining: 0,
  };

  let after = "";
  for (;;) {
    const rows = await database.db.all<{ id: string; value: string }>(
      sql`SELECT id, ${column} AS value FROM ${table} WHERE ${notCurrent} AND id > ${after} ORDER BY id LIMIT ${batchSize}`,
    );
    if (rows.length === 0) break;
    after = rows[rows.length - 1]!.id;
    report.found += rows.length;

    const updates: { id: string; previous: string; next: string }[] = [];
    for (const row of rows) {
      try {
        const plaintext = cipher.decrypt(row.value, spec.context);
        updates.push({
          id: row.id,
          previous: row.value,
          next: cipher.encrypt(plaintext, spec.context),
        });
      } catch (error) {
        report.failed += 1;
        if (report.failures.length < 5) {
          report.failures.push({
            id: row.id,
            reason: (error as Error).message || "cannot decrypt",
          });
        }
      }
    }
    if (dryRun || updates.length === 0) continue;

    const written = await database.write(async (tx) => {
      let count = 0;
      for (const update of updates) {
        const result = await tx.run(
          sql`UPDATE ${table} SET ${column} = ${update.next} WHERE id = ${update.id} AND ${column} = ${update.previous}`,
        );
        count += result.rowsAffected;
      }
      return count;
    });
    report.reencrypted += written;
    report.changedMeanwhile += updates.length - written;
  }

  const left = await database.db.get<{ n: number }>(
    sql`SELECT count(*) AS n FROM ${table} WHERE ${notCurrent}`,
  );
  report.remaining = Number(left?.n ?? 0);
  return report;
}

function sum(
  columns: ColumnReport[],
  key: "found" | "reencrypted" | "changedMeanwhile" | "failed" | "remaining",
) {
  return columns.reduce((total, c) => total + c[key], 0);
}

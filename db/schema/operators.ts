import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { json, reference, sessionColumns, signInColumns, timestamp, timestamps } from "./columns";

export const operatorRoles = ["admin", "underwriter", "risk_analyst", "support"] as const;
export type OperatorRole = (typeof operatorRoles)[number];

/** FlowOps staff. Every operator signs in with a password and TOTP. */
export const operators = sqliteTable("operators", {
  id: text("id").primaryKey(),
  email: text("email").notNull().unique(),
  name: text("name").notNull(),
  role: text("role", { enum: operatorRoles }).notNull(),
  passwordHash: text("password_hash").notNull(),
  /** Status and TOTP (every operator enrolls; the last step's code of it or earlier is refused). */
  ...signInColumns,
  /** SHA-256 hashes of unused recovery codes. */
  recoveryCodeHashes: json<string[]>("recovery_code_hashes").notNull().default([]),
  /** Failed sign-in steps (password, TOTP or recovery code) since the last success; see app/ops/lockout.ts. */
  failedAttempts: integer("failed_attempts").notNull().default(0),
  lockedUntil: timestamp("locked_until"),
  /** When the last failure happened: a count older than a day starts again from zero. */
  lastFailedAt: timestamp("last_failed_at"),
  lastLoginAt: timestamp("last_login_at"),
  ...timestamps,
});

/** Database-backed sessions: the cookie holds only the id, so sessions can be listed and revoked. */
export const operatorSessions = sqliteTable(
  "operator_sessions",
  {
    id: text("id").primaryKey(),
    operatorId: reference("operator_id", () => operators.id),
    /** Null until the TOTP step succeeds: a password-only session can reach nothing but /ops/verify. */
    mfaVerifiedAt: timestamp("mfa_verified_at"),
    ...sessionColumns,
    ...timestamps,
  },
  (t) => [index("operator_sessions_operator_idx").on(t.operatorId)],
);

/**
 * Failed sign-ins for e-mail addresses that are not operators, keyed by an HMAC of the address
 * (never the address itself). They lock out exactly like an operator's account, so the answers
 * to an unknown e-mail and a real one stay the same. Rows older than a day are pruned.
 */
export const loginThrottles = sqliteTable(
  "login_throttles",
  {
    key: text("key").primaryKey(),
    failedAttempts: integer("failed_attempts").notNull().default(0),
    lockedUntil: timestamp("locked_until"),
    lastFailedAt: timestamp("last_failed_at").notNull(),
  },
  (t) => [index("login_throttles_last_failed_idx").on(t.lastFailedAt)],
);

import { type AnySQLiteColumn, integer, text } from "drizzle-orm/sqlite-core";

/** Times are stored as integer milliseconds since the epoch (UTC); drizzle maps them to Date. */
export const timestamp = (name: string) => integer(name, { mode: "timestamp_ms" });

/** Creation/update times every table carries. */
export const timestamps = {
  createdAt: timestamp("created_at")
    .notNull()
    .$defaultFn(() => new Date()),
  updatedAt: timestamp("updated_at")
    .notNull()
    .$defaultFn(() => new Date())
    .$onUpdateFn(() => new Date()),
};

/**
 * A required reference to another table's row (ids are text everywhere): a foreign key, so a
 * row can never point at nothing.
 */
export const reference = (name: string, target: () => AnySQLiteColumn) =>
  text(name).notNull().references(target);

/** Money is always an integer number of cents. */
export const cents = (name: string) => integer(name);

/** JSON documents (snapshots, payloads) stored as text. */
export const json = <T>(name: string) => text(name, { mode: "json" }).$type<T>();

/** A value encrypted by app/security/encryption.server.ts: "v1.<key id>.<iv>.<ciphertext+tag>". */
export const encrypted = (name: string) => text(name);

/**
 * A person who signs in (an operator, a merchant user): active until deactivated, and an
 * optional TOTP second factor whose last accepted time step is kept so a code signs in once
 * (RFC 6238 §5.2) — moved forward only by a conditional UPDATE, so two requests with one code
 * cannot both pass. The secret is encrypted like every secret at rest.
 */
export const signInColumns = {
  status: text("status", { enum: ["active", "deactivated"] })
    .notNull()
    .default("active"),
  totpSecretEnc: encrypted("totp_secret_enc"),
  totpEnabledAt: timestamp("totp_enabled_at"),
  totpLastStep: integer("totp_last_step"),
};

/**
 * A database-backed session's lifetime and origin, for FlowOps and the portal alike: the cookie
 * holds only the id, so sessions can be listed, expired and revoked here.
 */
export const sessionColumns = {
  lastSeenAt: timestamp("last_seen_at").notNull(),
  expiresAt: timestamp("expires_at").notNull(),
  revokedAt: timestamp("revoked_at"),
  ip: text("ip"),
  userAgent: text("user_agent"),
};

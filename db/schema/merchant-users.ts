import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { reference, sessionColumns, signInColumns, timestamp, timestamps } from "./columns";
import { merchants } from "./merchants";

/** Roles in the merchant portal (docs/product/merchants-and-money.md, "The merchant portal"). */
export const merchantRoles = ["owner", "manager", "staff"] as const;
export type MerchantRole = (typeof merchantRoles)[number];

/**
 * People who sign in to the merchant portal (/merchant). One row per e-mail address: a person
 * who works for several merchants has one user and a membership in each (ADR 059).
 */
export const merchantUsers = sqliteTable("merchant_users", {
  id: text("id").primaryKey(),
  /** Lower-cased. */
  email: text("email").notNull().unique(),
  name: text("name"),
  /** Status, and the optional second factor: in force once totp_enabled_at is set. */
  ...signInColumns,
  lastLoginAt: timestamp("last_login_at"),
  ...timestamps,
});

/** A user's role in one merchant. Removing a member deletes the row (the audit log keeps it). */
export const merchantMemberships = sqliteTable(
  "merchant_memberships",
  {
    id: text("id").primaryKey(),
    merchantId: reference("merchant_id", () => merchants.id),
    userId: reference("user_id", () => merchantUsers.id),
    role: text("role", { enum: merchantRoles }).notNull(),
    /** A merchant user id, or "system"/"operator:<id>" for memberships FlowPay created. */
    invitedBy: text("invited_by"),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("merchant_memberships_merchant_user_idx").on(t.merchantId, t.userId),
    index("merchant_memberships_user_idx").on(t.userId),
  ],
);

/**
 * Portal sessions, like FlowOps' (ADR 005): the cookie carries only the signed id. The session
 * remembers which of the user's merchants is selected (the organization switcher).
 */
export const merchantSessions = sqliteTable(
  "merchant_sessions",
  {
    id: text("id").primaryKey(),
    userId: reference("user_id", () => merchantUsers.id),
    merchantId: text("merchant_id").references(() => merchants.id),
    /** Null while a user with TOTP has still to give a code: such a session opens nothing else. */
    verifiedAt: timestamp("verified_at"),
    ...sessionColumns,
    ...timestamps,
  },
  (t) => [index("merchant_sessions_user_idx").on(t.userId)],
);

/** Sign-in links: only the SHA-256 of the token is stored; single use, 15 minutes. */
export const merchantSignInLinks = sqliteTable(
  "merchant_sign_in_links",
  {
    id: text("id").primaryKey(),
    userId: reference("user_id", () => merchantUsers.id),
    /** The merchant to open after sign-in (an invitation's), or null: the user's first. */
    merchantId: text("merchant_id").references(() => merchants.id),
    tokenHash: text("token_hash").notNull().unique(),
    expiresAt: timestamp("expires_at").notNull(),
    usedAt: timestamp("used_at"),
    ...timestamps,
  },
  (t) => [index("merchant_sign_in_links_user_idx").on(t.userId)],
);

/**
 * Fixed-window counters for sign-in link requests, per e-mail address and per client IP, keyed
 * by an HMAC of the address or IP (never the value itself), so an address that is no user's is
 * counted exactly like one that is.
 */
export const merchantSignInThrottles = sqliteTable(
  "merchant_sign_in_throttles",
  {
    key: text("key").primaryKey(),
    windowStartedAt: timestamp("window_started_at").notNull(),
    count: integer("count").notNull().default(0),
  },
  (t) => [index("merchant_sign_in_throttles_window_idx").on(t.windowStartedAt)],
);

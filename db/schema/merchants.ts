import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { cents, encrypted, reference, timestamp, timestamps } from "./columns";

/** The home-service businesses that offer FlowPay financing to their customers. */
export const merchants = sqliteTable("merchants", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  slug: text("slug").notNull().unique(),
  status: text("status", { enum: ["active", "suspended"] })
    .notNull()
    .default("active"),
  minAmountCents: cents("min_amount_cents").notNull().default(50_000),
  maxAmountCents: cents("max_amount_cents").notNull().default(2_500_000),
  pricingPlan: text("pricing_plan").notNull().default("standard"),
  /** Merchant fee (discount) in basis points of the amount: 300 = 3.00 %. */
  merchantFeeBps: integer("merchant_fee_bps").notNull().default(300),
  disbursementAccountEnc: encrypted("disbursement_account_enc"),
  disbursementAccountLast4: text("disbursement_account_last4"),
  lender: text("lender").notNull().default("mock"),
  /**
   * When the lender pays the merchant (docs/product/merchants-and-money.md, "Funding modes"; ADR 050):
   * at the signature, or once the borrower confirms the job is done. The column's default keeps
   * the rows that existed before it (and bare fixtures) paying at signature; creating a merchant
   * through FlowOps chooses `on_completion` unless told otherwise.
   */
  fundingMode: text("funding_mode", { enum: ["on_signature", "on_completion"] })
    .notNull()
    .default("on_signature"),
  /** Progress payments: the share of the amount paid at signature under on_completion, 0–5000 bps. */
  upfrontReleaseBps: integer("upfront_release_bps").notNull().default(0),
  ...timestamps,
});

/** CRM API keys: only a SHA-256 hash is stored; the key is shown once. */
export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    merchantId: reference("merchant_id", () => merchants.id),
    name: text("name").notNull().default("default"),
    mode: text("mode", { enum: ["live", "test"] }).notNull(),
    /** The recognisable start of the key (e.g. "fp_test_3kT9"), safe to show. */
    displayPrefix: text("display_prefix").notNull(),
    keyHash: text("key_hash").notNull().unique(),
    expiresAt: timestamp("expires_at").notNull(),
    revokedAt: timestamp("revoked_at"),
    lastUsedAt: timestamp("last_used_at"),
    /** Set on the new key when a key is rotated; the old one stays valid until its overlap ends. */
    rotatedFromId: text("rotated_from_id"),
    createdBy: text("created_by"),
    ...timestamps,
  },
  (t) => [index("api_keys_merchant_idx").on(t.merchantId)],
);

/** Per-merchant CRM credentials (FieldRoutes key+token, or OAuth tokens), encrypted. */
export const crmConnections = sqliteTable(
  "crm_connections",
  {
    id: text("id").primaryKey(),
    merchantId: reference("merchant_id", () => merchants.id),
    crm: text("crm").notNull(),
    authKind: text("auth_kind", { enum: ["api_key", "oauth"] }).notNull(),
    status: text("status", { enum: ["pending", "connected", "error", "disconnected"] })
      .notNull()
      .default("pending"),
    subdomain: text("subdomain"),
    officeId: text("office_id"),
    credentialsEnc: encrypted("credentials_enc"),
    accessTokenEnc: encrypted("access_token_enc"),
    refreshTokenEnc: encrypted("refresh_token_enc"),
    tokenExpiresAt: timestamp("token_expires_at"),
    verifiedAt: timestamp("verified_at"),
    lastError: text("last_error"),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("crm_connections_merchant_crm_idx")
      .on(t.merchantId, t.crm)
      .where(sql`status != 'disconnected'`),
  ],
);

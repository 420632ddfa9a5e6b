import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { encrypted, timestamp, timestamps } from "./columns";
import { merchants } from "./merchants";

/** Self-serve merchant sign-ups (/merchant/signup), reviewed in FlowOps' merchant applications queue. */
export const merchantApplications = sqliteTable(
  "merchant_applications",
  {
    id: text("id").primaryKey(),
    status: text("status", { enum: ["pending", "approved", "declined"] })
      .notNull()
      .default("pending"),
    legalName: text("legal_name").notNull(),
    dba: text("dba"),
    ein: text("ein").notNull(),
    addressLine1: text("address_line1").notNull(),
    city: text("city").notNull(),
    state: text("state").notNull(),
    postalCode: text("postal_code").notNull(),
    industry: text("industry").notNull(),
    ownerName: text("owner_name").notNull(),
    ownerEmail: text("owner_email").notNull(),
    ownerPhone: text("owner_phone").notNull(),
    routingNumber: text("routing_number").notNull(),
    /** The payout account number, encrypted ("merchant_applications.account"); only last 4 shown. */
    accountNumberEnc: encrypted("account_number_enc").notNull(),
    accountLast4: text("account_last4").notNull(),
    expectedMonthlyVolumeCents: integer("expected_monthly_volume_cents").notNull(),
    reviewedBy: text("reviewed_by"),
    reviewedAt: timestamp("reviewed_at"),
    declineReason: text("decline_reason"),
    merchantId: text("merchant_id").references(() => merchants.id),
    ...timestamps,
  },
  (t) => [index("merchant_applications_status_idx").on(t.status, t.createdAt)],
);

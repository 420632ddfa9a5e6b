import { index, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { encrypted, reference, timestamp } from "./columns";
import { merchants } from "./merchants";
import { operatorSessions } from "./operators";

/**
 * Pending OAuth 2.0 authorizations (docs/sandbox/oauth.md): one row per "Connect" click, keyed
 * by the SHA-256 of `state` (the state itself is never stored), bound to the operator's session,
 * consumed once (`used_at`) by the callback, and useless after `expires_at` (10 minutes).
 */
export const oauthStates = sqliteTable(
  "oauth_states",
  {
    /** hex SHA-256 of the `state` sent to the CRM. */
    id: text("id").primaryKey(),
    operatorSessionId: reference("operator_session_id", () => operatorSessions.id),
    merchantId: reference("merchant_id", () => merchants.id),
    crm: text("crm").notNull(),
    /** The PKCE code verifier, encrypted (context "oauth_states.code_verifier"). */
    codeVerifierEnc: encrypted("code_verifier_enc").notNull(),
    expiresAt: timestamp("expires_at").notNull(),
    usedAt: timestamp("used_at"),
    createdAt: timestamp("created_at").notNull(),
  },
  (t) => [index("oauth_states_expires_idx").on(t.expiresAt)],
);

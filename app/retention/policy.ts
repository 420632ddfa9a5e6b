/**
 * What FlowPay deletes, and when (ADR 042; README "Data retention"). Pure: the rules are data,
 * run by prune.server.ts in small batches through the write queue.
 *
 * Only operational records are pruned: partner call logs, Idempotency-Key records, sessions,
 * OAuth states and the encrypted token of links that can no longer open. Decision evidence is
 * never touched here (see `evidenceTables`).
 */

const hour = 3600_000;
const day = 24 * hour;

/** The retention settings (env, app/config/env.server.ts). 0 days keeps a kind forever. */
export type RetentionSettings = {
  RETENTION_CRM_SYNC_LOG_DAYS: number;
  RETENTION_LENDER_CALL_DAYS: number;
  RETENTION_IDEMPOTENCY_HOURS: number;
  RETENTION_SESSION_DAYS: number;
  RETENTION_OAUTH_STATE_HOURS: number;
  RETENTION_LINK_TOKEN_DAYS: number;
  RETENTION_WEBHOOK_DAYS: number;
};

export const retentionDefaults: RetentionSettings = {
  RETENTION_CRM_SYNC_LOG_DAYS: 90,
  RETENTION_LENDER_CALL_DAYS: 180,
  RETENTION_IDEMPOTENCY_HOURS: 48,
  RETENTION_SESSION_DAYS: 30,
  RETENTION_OAUTH_STATE_HOURS: 24,
  RETENTION_LINK_TOKEN_DAYS: 7,
  RETENTION_WEBHOOK_DAYS: 30,
};

/**
 * One rule: rows of `table` for which `due` holds (every `?` in it is the cutoff time, ms since
 * the epoch) are deleted — or, with `update`, have that assignment applied instead.
 *
 * Rows are found by walking the table in rowid order, a chunk at a time, off the writer: with
 * `stopWhen`, the walk ends at the first chunk whose last row has that column at or after the
 * cutoff — valid because the column is set at insert and never changes, and `due` implies it is
 * before the cutoff (rows are inserted in time order, so no later row can be due).
 *
 * A walk costs the rows before the cutoff that the rule leaves in place: nothing for a rule that
 * deletes every old row, but every row ever written for one that keeps some for good (an update
 * rule, a rule that spares some rows). Such a rule names an `index` instead — a partial index
 * holding only the rows that can become due — and its due rows are found by probing that index
 * (`INDEXED BY`, so a statement that cannot use it fails rather than scans). The first round
 * runs at start-up: a walk over history there held /ready for seconds at 1 M applications
 * (ADR 090).
 */
export type RetentionRule = {
  name: string;
  table: string;
  due: string;
  update?: string;
  stopWhen?: string;
  /** A partial index whose rows include every due row: the rule probes it instead of walking. */
  index?: string;
  retainMs: number;
};

/**
 * The rules for these settings, in the order they must run (OAuth states before the sessions
 * they reference). A setting of 0 leaves its rule out.
 */
export function retentionRules(settings: RetentionSettings): RetentionRule[] {
  const rules: RetentionRule[] = [
    {
      // Redacted CRM request/response logs: support looks back weeks, the dashboard 30 days.
      name: "crm_sync_logs",
      table: "crm_sync_logs",
      due: "created_at < ?",
      stopWhen: "created_at",
      retainMs: settings.RETENTION_CRM_SYNC_LOG_DAYS * day,
    },
    {
      // Our calls to lenders (outcome ok/error). The lender's own events (outcome 'event':
      // funded, declined) are the loan's evidence and stay.
      name: "lender_calls",
      table: "lender_transactions",
      due: "outcome IN ('ok', 'error') AND created_at < ?",
      index: "lender_tx_calls_idx",
      retainMs: settings.RETENTION_LENDER_CALL_DAYS * day,
    },
    {
      // Replays are answered for 24 h (app/crm/idempotency.server.ts); older records are dead.
      // An expired record is reused in place (created_at moves), so the whole table is walked.
      name: "idempotency_keys",
      table: "idempotency_keys",
      due: "created_at < ?",
      retainMs: settings.RETENTION_IDEMPOTENCY_HOURS * hour,
    },
    {
      // Used or not, a state is useless 10 minutes after it was made.
      name: "oauth_states",
      table: "oauth_states",
      due: "expires_at < ?",
      stopWhen: "created_at",
      retainMs: settings.RETENTION_OAUTH_STATE_HOURS * hour,
    },
    {
      // Ended sessions (expired or revoked); the sign-ins themselves are in the audit log.
      name: "operator_sessions",
      table: "operator_sessions",
      due: `(expires_at < ? OR revoked_at < ?) AND NOT EXISTS
        (SELECT 1 FROM oauth_states o WHERE o.operator_session_id = operator_sessions.id)`,
      stopWhen: "created_at",
      retainMs: settings.RETENTION_SESSION_DAYS * day,
    },
    {
      // A link that expired or was revoked can never open again: its encrypted token (kept so a
      // repeated offer can answer with the open link, ADR 026) goes; the row (hash, times) stays.
      name: "link_tokens",
      table: "application_links",
      due: "token_enc IS NOT NULL AND (expires_at < ? OR revoked_at < ?)",
      update: "token_enc = NULL",
      index: "application_links_token_held_idx",
      retainMs: settings.RETENTION_LINK_TOKEN_DAYS * day,
    },
    {
      // Outbound webhook deliveries once settled (delivered, dead-lettered, canceled): the
      // merchant's delivery log looks back this far (ADR 063). A resend moves created_at (its
      // new 3-day window), so the whole table is walked.
      name: "webhook_deliveries",
      table: "webhook_deliveries",
      due: "state IN ('delivered', 'dead', 'canceled') AND created_at < ?",
      retainMs: settings.RETENTION_WEBHOOK_DAYS * day,
    },
    {
      // Their events, once no delivery refers to them (and those no endpoint subscribed to).
      name: "merchant_events",
      table: "merchant_events",
      due: `created_at < ? AND NOT EXISTS
        (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = merchant_events.id)`,
      stopWhen: "created_at",
      retainMs: settings.RETENTION_WEBHOOK_DAYS * day,
    },
  ];
  return rules.filter((rule) => rule.retainMs > 0);
}

/**
 * Decision evidence, kept as long as lending law requires and never pruned by this module:
 * ECOA / Regulation B (12 CFR 1002.12(b)) — applications, the information used to decide and
 * adverse action notices for 25 months after notice of the action; TILA / Regulation Z
 * (12 CFR 1026.25) — evidence of the disclosures for 2 years; E-SIGN — consents with the records
 * they cover. The audit log is append-only in the database itself.
 */
export const evidenceTables = [
  "applications",
  "decisions",
  "offers",
  "adverse_action_notices",
  // The soft pull, its evaluation, consents and any "not prequalified" notice (ADR 066).
  "prequalifications",
  "consents",
  "consent_texts",
  "documents",
  "manual_reviews",
  "decline_proposals",
  "loans",
  "messages",
  "webhook_events",
  "audit_logs",
] as const;

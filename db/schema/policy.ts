import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { json, reference, timestamp, timestamps } from "./columns";
import { operators } from "./operators";

/**
 * Four-eyes policy changes (app/ops/policy-approval.server.ts, ADR 069): a rule-set or pricing
 * draft submitted for approval. `contentHash` is the draft's content when submitted: editing the
 * draft afterwards makes the submission stale, so what is approved is exactly what was reviewed.
 * `decidedBy` is the second operator (approved) or whoever withdrew it.
 */
export const policySubmissions = sqliteTable(
  "policy_submissions",
  {
    id: text("id").primaryKey(),
    kind: text("kind", { enum: ["rules", "pricing"] }).notNull(),
    draftId: text("draft_id").notNull(),
    version: integer("version").notNull(),
    status: text("status", { enum: ["pending", "approved", "withdrawn"] })
      .notNull()
      .default("pending"),
    contentHash: text("content_hash").notNull(),
    submittedBy: reference("submitted_by", () => operators.id),
    submittedAt: timestamp("submitted_at").notNull(),
    decidedBy: text("decided_by").references(() => operators.id),
    decidedAt: timestamp("decided_at"),
    ...timestamps,
  },
  (t) => [index("policy_submissions_draft_idx").on(t.kind, t.draftId)],
);

/**
 * A back-test of a draft over the last `days` days of engine decisions (app/ops/backtest.ts,
 * ADR 070): small windows run in the request, big ones in the `backtest-policy` job, which
 * stores its progress here for the page to show.
 */
export const policyBacktests = sqliteTable(
  "policy_backtests",
  {
    id: text("id").primaryKey(),
    kind: text("kind", { enum: ["rules", "pricing"] }).notNull(),
    draftId: text("draft_id").notNull(),
    version: integer("version").notNull(),
    contentHash: text("content_hash").notNull(),
    days: integer("days").notNull(),
    status: text("status", { enum: ["queued", "running", "done", "failed"] })
      .notNull()
      .default("queued"),
    processed: integer("processed").notNull().default(0),
    total: integer("total").notNull().default(0),
    result: json<Record<string, unknown>>("result"),
    error: text("error"),
    requestedBy: text("requested_by").references(() => operators.id),
    finishedAt: timestamp("finished_at"),
    ...timestamps,
  },
  (t) => [index("policy_backtests_draft_idx").on(t.kind, t.draftId)],
);

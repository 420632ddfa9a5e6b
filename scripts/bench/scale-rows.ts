/**
 * bench:scale's row builder (issue 19, ADR 086): one application with everything the app writes
 * around it — customer, service job, link, text, decision with its snapshot, offers, loan, open
 * review, completed jobs, CRM call, audit rows — through the drizzle tables' own columns
 * (`getTableColumns`, each value through the column's driver mapping), so a row has the shape and
 * the encoding the app's own writes give it. Used for the templates the seeder clones
 * (scale-seed.ts) and for the newest fortnight, which it writes row by row with the triggers on.
 *
 * Application `g` of `n` is created at `createdAtOf(g, n, now)`: oldest first over 18 months.
 */
import { getTableColumns, type Table } from "drizzle-orm";
import type Sqlite from "libsql";
import * as schema from "~/db/schema/index";

export const dayMs = 86_400_000;
/** 18 months of history. */
export const historyDays = 548;
/** Digits of the seeded ids' number (`app_` + 26 digits = 30 characters, like newId's). */
export const idDigits = 26;
export const pad = (i: number, width = idDigits) => String(i).padStart(width, "0");
export const benchMerchantId = (m: number) => `mer_bench${pad(m, 21)}`;

type Row = Record<string, unknown>;

/** INSERT of drizzle rows: columns from the table definition, values through its mappers. */
/** An INSERT of `keys` (every column of `table` when not given) bound by name from each row. */
function inserter(
  db: Sqlite.Database,
  table: Table,
  keys: string[] = Object.keys(getTableColumns(table)),
) {
  const columns = getTableColumns(table) as Record<
    string,
    { name: string; mapToDriverValue(v: unknown): unknown }
  >;
  const tableName = (table as unknown as Record<symbol, string>)[Symbol.for("drizzle:Name")];
  const cols = keys.map((key) => {
    const column = columns[key];
    if (!column) throw new Error(`${tableName}: no column ${key}`);
    return column;
  });
  const statement = db.prepare(
    `INSERT INTO "${tableName}" (${cols.map((c) => `"${c.name}"`).join(", ")}) VALUES (${cols.map(() => "?").join(", ")})`,
  );
  return (row: Row) =>
    statement.run(
      ...keys.map((key, i) => {
        const value = row[key];
        if (value === null || value === undefined) return null;
        const mapped = cols[i]!.mapToDriverValue(value);
        return typeof mapped === "boolean" ? (mapped ? 1 : 0) : mapped;
      }),
    );
}

/** Deterministic pseudo-random numbers: the same database for the same N. */
export function randomFrom(seed: number) {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    return state / 2 ** 32;
  };
}

/**
 * The jitter of application g's date, in [0, 1): a multiplicative hash, written the same way in
 * SQL by the clone statements (integers below 2^53 on both sides).
 */
export const jitterSql = (g: string) => `(((${g}) * 2654435761) % 4294967296) / 4294967296.0`;
const jitter = (g: number) => ((g * 2654435761) % 4294967296) / 4294967296;

/** When application g of n was created: oldest first, over 18 months ending `now`. */
export function createdAtOf(g: number, n: number, now: number) {
  return now - Math.floor(((n - g) * historyDays * dayMs * (0.98 + 0.02 * jitter(g))) / n);
}
/** The same in SQL (the clone statements), `g` and `n` SQL expressions. */
export const createdAtSql = (g: string, n: number, now: number) =>
  `(${now} - CAST(((${n} - (${g})) * ${historyDays * dayMs}.0 * (0.98 + 0.02 * ${jitterSql(g)})) / ${n} AS INTEGER))`;

/** Merchant of application g: half the demo merchant's (a big merchant for the portal). */
export const merchantOf = (g: number, demoMerchantId: string) =>
  g % 2 === 0 ? demoMerchantId : benchMerchantId(1 + (g % 9));
export const merchantSql = (g: string, demoMerchantId: string) =>
  `CASE WHEN (${g}) % 2 = 0 THEN '${demoMerchantId}' ELSE 'mer_bench' || printf('%021d', 1 + (${g}) % 9) END`;

const statusMix = [
  ["link_sent", 0.2],
  ["in_progress", 0.08],
  ["expired", 0.1],
  ["canceled", 0.05],
  ["declined", 0.2],
  ["manual_review", 0.02],
  ["approved", 0.1],
  ["offer_accepted", 0.05],
  ["funded", 0.2],
] as const;
type Status = (typeof statusMix)[number][0];
const decidedStatuses = new Set<Status>([
  "declined",
  "manual_review",
  "approved",
  "offer_accepted",
  "funded",
]);

/** A decision snapshot shaped like the engine's (inputs, versions, rule results, offers). */
function snapshotFor(i: number, status: string) {
  return {
    engineVersion: "bench",
    inputs: {
      amountCents: 400_000 + (i % 1_500_000),
      monthlyIncomeCents: 520_000,
      housingCostCents: 150_000,
      bureau: { score: 640 + (i % 160), tradelines: 12, inquiries6m: i % 4, delinquencies: 0 },
      bank: { averageBalanceCents: 310_000, nsf90d: 0, incomeVerified: true },
    },
    rules: Array.from({ length: 24 }, (_, r) => ({
      key: `rule_${r}`,
      passed: status !== "declined" || r !== 3,
      value: (i * (r + 1)) % 997,
      threshold: 500,
      note: "evaluated against the published rule set at the time of the decision",
    })),
    pricing: { version: 1, tier: "B", apr: "12.990", termsMonths: [12, 24, 36] },
  };
}

export function rowWriters(db: Sqlite.Database) {
  return {
    merchant: inserter(db, schema.merchants, ["id", "name", "slug", "createdAt", "updatedAt"]),
    customer: inserter(db, schema.customers, [
      "id",
      "merchantId",
      "crmCustomerId",
      "firstName",
      "lastName",
      "email",
      "phone",
      "createdAt",
      "updatedAt",
    ]),
    job: inserter(db, schema.serviceJobs, [
      "id",
      "merchantId",
      "customerId",
      "crmJobId",
      "description",
      "estimateCents",
      "createdAt",
      "updatedAt",
    ]),
    application: inserter(db, schema.applications, [
      "id",
      "merchantId",
      "customerId",
      "serviceJobId",
      "crm",
      "status",
      "amountCents",
      "step",
      "selectedOfferId",
      "submittedAt",
      "decidedAt",
      "canceledAt",
      "createdAt",
      "updatedAt",
    ]),
    link: inserter(db, schema.applicationLinks, [
      "id",
      "applicationId",
      "tokenHash",
      "expiresAt",
      "createdAt",
      "updatedAt",
    ]),
    decision: inserter(db, schema.decisions, [
      "id",
      "applicationId",
      "status",
      "score",
      "tier",
      "ruleSetVersion",
      "pricingVersion",
      "engineVersion",
      "snapshot",
      "decidedAt",
    ]),
    offer: inserter(db, schema.offers, [
      "id",
      "decisionId",
      "applicationId",
      "termMonths",
      "noteRate",
      "apr",
      "originationFeeCents",
      "principalCents",
      "amountFinancedCents",
      "monthlyPaymentCents",
      "lastPaymentCents",
      "financeChargeCents",
      "totalOfPaymentsCents",
      "tier",
      "schedule",
      "selectedAt",
      "createdAt",
    ]),
    loan: inserter(db, schema.loans, [
      "id",
      "applicationId",
      "offerId",
      "merchantId",
      "lender",
      "status",
      "principalCents",
      "amountCents",
      "merchantFeeCents",
      "disbursementCents",
      "fundedAmountCents",
      "fundedAt",
      "paymentSchedule",
      "createdAt",
      "updatedAt",
    ]),
    review: inserter(db, schema.manualReviews, [
      "id",
      "applicationId",
      "decisionId",
      "reason",
      "priority",
      "status",
      "createdAt",
      "updatedAt",
    ]),
    message: inserter(db, schema.messages, [
      "id",
      "applicationId",
      "merchantId",
      "channel",
      "template",
      "recipient",
      "bodyEnc",
      "status",
      "createdAt",
      "updatedAt",
    ]),
    outbox: inserter(db, schema.outbox, [
      "kind",
      "payload",
      "priority",
      "state",
      "runAt",
      "attempts",
      "createdAt",
      "updatedAt",
      "completedAt",
    ]),
    crm: inserter(db, schema.crmSyncLogs),
    audit: inserter(db, schema.auditLogs, [
      "at",
      "actorType",
      "actorId",
      "action",
      "entityType",
      "entityId",
      "details",
    ]),
  };
}
export type RowWriters = ReturnType<typeof rowWriters>;

/**
 * Writes application g of n and its rows. Returns its id and status. Reviews are worked
 * through: only the last fortnight's are still open (older ones were declined); accepted offers
 * older than 60 days were funded.
 */
export function writeApplication(
  add: RowWriters,
  g: number,
  context: {
    n: number;
    now: number;
    demoMerchantId: string;
    random: () => number;
    /** Whether a completed job or a CRM call log of that time is still kept (retention). */
    keep?: (what: "job" | "crm", at: number) => boolean;
  },
) {
  const { n, now, random } = context;
  const merchantId = merchantOf(g, context.demoMerchantId);
  const createdAt = new Date(createdAtOf(g, n, now));
  let roll = random();
  let status: Status = "link_sent";
  for (const [s, share] of statusMix) {
    if (roll < share) {
      status = s;
      break;
    }
    roll -= share;
  }
  if (status === "manual_review" && now - createdAt.getTime() > 14 * dayMs) status = "declined";
  // An accepted offer is funded when the job is done (weeks, not months): none still waits
  // after 60 days (FlowOps' "awaiting funding" is current work, not history).
  if (status === "offer_accepted" && now - createdAt.getTime() > 60 * dayMs) status = "funded";
  const id = `app_${pad(g)}`;
  const customerId = `cus_${pad(g)}`;
  const jobId = `job_${pad(g)}`;
  const amountCents = 200_000 + Math.floor(random() * 2_000_000);
  const decided = decidedStatuses.has(status);
  const submittedAt = decided ? new Date(createdAt.getTime() + 20 * 60_000) : null;
  const decidedAt = submittedAt
    ? new Date(
        submittedAt.getTime() +
          (status === "manual_review" ? 0 : 400 + Math.floor(random() * 3000)),
      )
    : null;
  add.customer({
    id: customerId,
    merchantId,
    crmCustomerId: `CUS-${g}`,
    firstName: ["Dana", "Lee", "Sam", "Ana", "Kim"][g % 5],
    lastName: `Rivera${g % 997}`,
    email: `c${g}@example.com`,
    phone: `+1512555${pad(g % 10_000, 4)}`,
    createdAt,
    updatedAt: createdAt,
  });
  add.job({
    id: jobId,
    merchantId,
    customerId,
    crmJobId: `JOB-${g}`,
    description: "Termite treatment, whole house",
    estimateCents: amountCents,
    createdAt,
    updatedAt: createdAt,
  });
  const accepted = status === "offer_accepted" || status === "funded";
  const selectedOfferId = accepted ? `off_${pad(g * 3 + 1)}` : null;
  add.application({
    id,
    merchantId,
    customerId,
    serviceJobId: jobId,
    crm: "fieldroutes",
    status,
    amountCents,
    step: decided ? "submitted" : status === "in_progress" ? "details" : null,
    selectedOfferId,
    submittedAt,
    decidedAt,
    canceledAt: status === "canceled" ? new Date(createdAt.getTime() + dayMs) : null,
    createdAt,
    updatedAt: decidedAt ?? createdAt,
  });
  let decisionId: string | null = null;
  if (decided) {
    decisionId = `dec_${pad(g)}`;
    const decisionStatus =
      status === "declined"
        ? "declined"
        : status === "manual_review"
          ? "manual_review"
          : "approved";
    add.decision({
      id: decisionId,
      applicationId: id,
      status: decisionStatus,
      score: 640 + (g % 160),
      tier: "B",
      ruleSetVersion: 1,
      pricingVersion: 1,
      engineVersion: "bench",
      snapshot: snapshotFor(g, decisionStatus),
      decidedAt,
    });
    if (decisionStatus === "approved") {
      for (const [t, term] of [12, 24, 36].entries()) {
        const offerId = `off_${pad(g * 3 + t)}`;
        add.offer({
          id: offerId,
          decisionId,
          applicationId: id,
          termMonths: term,
          noteRate: "11.990",
          apr: "12.990",
          originationFeeCents: 0,
          principalCents: amountCents,
          amountFinancedCents: amountCents,
          monthlyPaymentCents: Math.round(amountCents / term),
          lastPaymentCents: Math.round(amountCents / term),
          financeChargeCents: Math.round(amountCents * 0.07),
          totalOfPaymentsCents: Math.round(amountCents * 1.07),
          tier: "B",
          schedule: Array.from({ length: term }, (_, k) => ({
            n: k + 1,
            cents: Math.round(amountCents / term),
          })),
          selectedAt: offerId === selectedOfferId ? new Date(decidedAt!.getTime() + 600_000) : null,
          createdAt: decidedAt,
        });
      }
    }
  }
  if (status === "funded" && selectedOfferId) {
    const fee = Math.round(amountCents * 0.03);
    add.loan({
      id: `loan_${pad(g)}`,
      applicationId: id,
      offerId: selectedOfferId,
      merchantId,
      lender: "mock",
      status: "funded",
      principalCents: amountCents,
      amountCents,
      merchantFeeCents: fee,
      disbursementCents: amountCents - fee,
      fundedAmountCents: amountCents - fee,
      fundedAt: new Date(decidedAt!.getTime() + dayMs),
      paymentSchedule: [],
      createdAt: decidedAt,
      updatedAt: decidedAt,
    });
  }
  if (status === "manual_review") {
    add.review({
      id: `mr_${pad(g)}`,
      applicationId: id,
      decisionId,
      reason: "thin_file",
      priority: g % 7 === 0 ? 1 : 2,
      status: "pending",
      createdAt: decidedAt,
      updatedAt: decidedAt,
    });
  }
  add.link({
    id: `lnk_${pad(g)}`,
    applicationId: id,
    tokenHash: `h${pad(g, 63)}`,
    expiresAt: new Date(createdAt.getTime() + 7 * dayMs),
    createdAt,
    updatedAt: createdAt,
  });
  const messageId = `msg_${pad(g)}`;
  add.message({
    id: messageId,
    applicationId: id,
    merchantId,
    channel: "sms",
    template: "application_link",
    recipient: "+15125550100",
    // The size of an encrypted text (never decrypted by the pages measured).
    bodyEnc: `v1.dev1.${"A".repeat(16)}.${"B".repeat(220)}`,
    status: "delivered",
    createdAt,
    updatedAt: createdAt,
  });
  const t = createdAt.getTime();
  const keep = context.keep ?? (() => true);
  if (keep("job", t + 500))
    add.outbox({
      kind: "send-sms",
      payload: JSON.stringify({ messageId }),
      priority: 3,
      state: "completed",
      runAt: t,
      attempts: 1,
      createdAt: t,
      updatedAt: t + 500,
      completedAt: t + 500,
    });
  add.audit({
    at: createdAt,
    actorType: "api_key",
    actorId: "key_bench",
    action: "application.create",
    entityType: "application",
    entityId: id,
    details: { amountCents },
  });
  if (decided) {
    if (keep("job", decidedAt!.getTime()))
      add.outbox({
        kind: "decide-application",
        payload: JSON.stringify({ applicationId: id }),
        priority: 1,
        state: "completed",
        runAt: submittedAt!.getTime(),
        attempts: 1,
        createdAt: submittedAt!.getTime(),
        updatedAt: decidedAt!.getTime(),
        completedAt: decidedAt!.getTime(),
      });
    if (keep("crm", decidedAt!.getTime()))
      add.crm({
        id: `csl_${pad(g)}`,
        merchantId,
        applicationId: id,
        crm: "fieldroutes",
        operation: "note/create",
        request: { note: `FlowPay: application ${status}` },
        response: { success: g % 50 !== 0 },
        outcome: g % 50 === 0 ? "error" : "ok",
        error: g % 50 === 0 ? "HTTP 503" : null,
        durationMs: 120 + (g % 300),
        createdAt: decidedAt,
      });
    add.audit({
      at: decidedAt,
      actorType: "system",
      actorId: "decide-application",
      action: "application.decided",
      entityType: "application",
      entityId: id,
      details: { status },
    });
  }
  return { id, status, merchantId };
}

import { and, asc, eq, inArray, ne, sql, type SQL } from "drizzle-orm";
import type { Database, Tx } from "~/db/client";
import { newId } from "~/db/ids";
import {
  applications,
  customers,
  declineProposals,
  decisions,
  loanConditions,
  manualReviews,
  merchants,
  offers as offersTable,
  operators,
} from "~/db/schema/index";
import { audit } from "~/app/audit/audit.server";
import { getEnv } from "~/app/config/env.server";
import { enqueueCrmSync } from "~/app/crm-sync/enqueue.server";
import {
  ENGINE_VERSION,
  type DecisionSnapshot,
  type LoadedPricing,
} from "~/app/decisioning/engine";
import { formatMoney } from "~/app/money/dollars";
import { classifyDeclineReasons, supportedDeclineReasons } from "~/app/decisioning/reason-evidence";
import { generateOffers, type OfferGeneration } from "~/app/decisioning/pricing";
import { getPricingByVersion, getPublishedPricing } from "~/app/decisioning/pricing-rules.server";
import {
  recordUnderwriterApproval,
  recordUnderwriterDecline,
  type SecondApproval,
} from "~/app/decisioning/underwriter.server";
import { insertConditions } from "~/app/lending/conditions.server";
import { queueEmail } from "~/app/messaging/email.server";
import { queueSms } from "~/app/messaging/sms.server";
import { decisionView } from "./applications-decision";
import {
  declineReasonOptions,
  optionalDollarsField,
  parseOfferKey,
  pickTerms,
  cappedCount,
  queueCountCap,
  queueOrder,
  type QueueCursor,
  type ReviewSla,
  ReviewInputError,
  storedOfferKey,
  termKey,
  type ApproveForm,
  type DeclineForm,
  reasonText,
  type UnderwriterSnapshot,
} from "./reviews";

/**
 * Manual review (architecture "Manual Review Flow"): the queue, assignment, and the resolution.
 *
 * A resolution is a NEW decision by the underwriter (decisions.decided_by; decisions are
 * immutable) that continues exactly like the engine's: approved → offers the borrower can sign
 * on their link, application "approved"; declined → the adverse action notice and the job that
 * delivers it (insertReviewDeclineNotice), application "declined". Either way the CRM write-back
 * job, the borrower's "decision ready" text (the same template notifyDecision sends, so it is not
 * sent twice), an e-mail when we have an address, and the audit records commit in the same
 * transaction as the decision.
 */
export class ReviewNotFoundError extends Error {
  override name = "ReviewNotFoundError";
}

/** The review or its application is not in a state that allows this (resolved twice, …). */
export class ReviewStateError extends Error {
  override name = "ReviewStateError";
}

type Client = { ip: string | null; userAgent: string | null };

export type QueueItem = {
  id: string;
  applicationId: string;
  reason: string;
  priority: number;
  status: "pending" | "assigned";
  createdAt: Date;
  assignedTo: string | null;
  assigneeName: string | null;
  customerName: string;
  merchantName: string;
  amountCents: number;
};

export const queueLimit = 100;
/** Rows per page of /ops/reviews (ADR 089): what an underwriter works through from the top. */
export const queuePageSize = 25;

/** The SLA targets from the configuration (REVIEW_SLA_HOURS, REVIEW_SLA_HIGH_HOURS). */
export function reviewSla(): ReviewSla {
  const env = getEnv();
  return { normalHours: env.REVIEW_SLA_HOURS, highHours: env.REVIEW_SLA_HIGH_HOURS };
}

/** Literal, not bound, and the same words as manual_reviews_open_idx's WHERE: SQLite uses a
 * partial index only when the query's WHERE visibly implies it (ADR 072). */
const openReview = sql`${manualReviews.status} IN ('pending', 'assigned')`;
const priorityIs = (priority: 1 | 2) =>
  sql`${manualReviews.priority} = ${sql.raw(String(priority))}`;

/**
 * Open reviews, the earliest due first (queueOrder, ADR 075). One page of each priority, read in
 * the order of manual_reviews_open_idx (priority, created_at, id) — a search of the partial
 * index per priority that stops after a page, never a sort of every open review — then merged
 * by due time. `after` (the last row of the page before, ADR 089) starts each priority's read at
 * that due time. The header's counts — open reviews, and how many are overdue — read at most
 * `queueCountCap` index entries each (`CappedCount`): the page costs the same however long the
 * queue is.
 */
export async function listQueue(
  database: Database,
  limit = queueLimit,
  sla: ReviewSla = reviewSla(),
  options: { after?: QueueCursor | null; now?: number } = {},
) {
  const now = options.now ?? Date.now();
  const after = options.after ?? null;
  const slaMs = (priority: 1 | 2) => (priority === 1 ? sla.highHours : sla.normalHours) * 3_600_000;
  // After the cursor in queueOrder: due later; or due then and a smaller amount, or the same
  // amount and a later priority, or the same priority and a later id. Per priority the due time
  // is created_at + its SLA, so the index is sought from created_at = cursor due − SLA.
  const afterCursor = (priority: 1 | 2) => {
    if (!after) return undefined;
    const from = after.dueAt - slaMs(priority);
    const amount = sql`${applications.amountCents}`;
    const tie =
      priority > after.priority
        ? sql`${amount} <= ${after.amountCents}`
        : priority < after.priority
          ? sql`${amount} < ${after.amountCents}`
          : sql`(${amount} < ${after.amountCents} OR (${amount} = ${after.amountCents} AND ${manualReviews.id} > ${after.id}))`;
    return sql`${manualReviews.createdAt} >= ${from} AND (${manualReviews.createdAt} > ${from} OR ${tie})`;
  };
  const page = (priority: 1 | 2) =>
    database.db
      .select({
        id: manualReviews.id,
        applicationId: manualReviews.applicationId,
        reason: manualReviews.reason,
        priority: manualReviews.priority,
        status: manualReviews.status,
        createdAt: manualReviews.createdAt,
        assignedTo: manualReviews.assignedTo,
        assigneeName: operators.name,
        firstName: customers.firstName,
        lastName: customers.lastName,
        merchantName: merchants.name,
        amountCents: applications.amountCents,
      })
      .from(manualReviews)
      .innerJoin(applications, eq(applications.id, manualReviews.applicationId))
      .innerJoin(customers, eq(customers.id, applications.customerId))
      .innerJoin(merchants, eq(merchants.id, applications.merchantId))
      .leftJoin(operators, eq(operators.id, manualReviews.assignedTo))
      .where(and(openReview, priorityIs(priority), afterCursor(priority)))
      .orderBy(asc(manualReviews.priority), asc(manualReviews.createdAt), asc(manualReviews.id))
      .limit(limit + 1);
  const capped = async (where: SQL) =>
    cappedCount(
      Number(
        (
          await database.db.get<{ n: number }>(
            sql`SELECT count(*) AS n FROM (SELECT 1 FROM ${manualReviews} WHERE ${where} LIMIT ${queueCountCap + 1})`,
          )
        )?.n ?? 0,
      ),
    );
  const overdueOf = (priority: 1 | 2) =>
    capped(
      sql`${openReview} AND ${priorityIs(priority)} AND ${manualReviews.createdAt} < ${now - slaMs(priority)}`,
    );
  const [high, normal, total, overdueHigh, overdueNormal] = await Promise.all([
    page(1),
    page(2),
    capped(openReview),
    overdueOf(1),
    overdueOf(2),
  ]);
  const merged = queueOrder(
    [...high, ...normal].map(({ firstName, lastName, ...row }) => ({
      ...row,
      status: row.status as QueueItem["status"],
      customerName: `${firstName} ${lastName}`,
    })),
    sla,
    limit + 1,
  );
  const items = merged.slice(0, limit);
  const last = items.at(-1);
  const overdue = cappedCount(overdueHigh.n + overdueNormal.n);
  return {
    items,
    total: total.n,
    counts: {
      open: total,
      overdue: { n: overdue.n, more: overdue.more || overdueHigh.more || overdueNormal.more },
    },
    next:
      merged.length > limit && last
        ? {
            dueAt: last.dueAt.getTime(),
            amountCents: last.amountCents,
            priority: last.priority,
            id: last.id,
          }
        : null,
  };
}

/** A review with what resolving it needs: its application, customer, merchant and decision. */
export async function loadReview(database: Database, reviewId: string) {
  const review = await database.db.query.manualReviews.findFirst({
    where: eq(manualReviews.id, reviewId),
  });
  if (!review) return null;
  const application = await database.db.query.applications.findFirst({
    where: eq(applications.id, review.applicationId),
  });
  if (!application) return null;
  const [customer, merchant, decision, storedOffers, people] = await Promise.all([
    database.db.query.customers.findFirst({ where: eq(customers.id, application.customerId) }),
    database.db.query.merchants.findFirst({ where: eq(merchants.id, application.merchantId) }),
    review.decisionId
      ? database.db.query.decisions.findFirst({ where: eq(decisions.id, review.decisionId) })
      : Promise.resolve(undefined),
    review.decisionId
      ? database.db
          .select()
          .from(offersTable)
          .where(eq(offersTable.decisionId, review.decisionId))
          .orderBy(asc(offersTable.termMonths))
      : Promise.resolve([]),
    database.db
      .select({ id: operators.id, name: operators.name })
      .from(operators)
      .where(
        inArray(
          operators.id,
          [review.assignedTo, review.resolvedBy].filter((id): id is string => Boolean(id)),
        ),
      ),
  ]);
  if (!customer || !merchant) return null;
  const names = new Map(people.map((p) => [p.id, p.name]));
  return {
    review,
    application,
    customer,
    merchant,
    decision: decision ?? null,
    snapshot: decision ? (decision.snapshot as unknown as DecisionSnapshot) : null,
    storedOffers,
    assigneeName: review.assignedTo ? (names.get(review.assignedTo) ?? null) : null,
    resolverName: review.resolvedBy ? (names.get(review.resolvedBy) ?? null) : null,
  };
}

export type LoadedReview = NonNullable<Awaited<ReturnType<typeof loadReview>>>;

/** Pricing for a review: the version the reviewed decision used (the published one if gone). */
export async function reviewPricing(
  database: Database,
  decision: LoadedReview["decision"],
): Promise<LoadedPricing | null> {
  if (decision) {
    const used = await getPricingByVersion(database, decision.pricingVersion);
    if (used) return used;
  }
  return getPublishedPricing(database);
}

export type Repricing = {
  pricing: LoadedPricing;
  tier: string;
  downPaymentCents: number;
  amountCents: number;
  generation: OfferGeneration;
};

/**
 * Prices the application again — for a decision that had no offers (e.g. the bureau was down,
 * so the score is below every tier), another tier, or a down payment (the offers then finance
 * the amount less the down payment). Same engine code (generateOffers) as an automatic decision.
 */
export function reprice(
  loaded: LoadedReview,
  pricing: LoadedPricing,
  input: { tier: string | null; downPaymentCents: number },
): Repricing {
  const tierName = input.tier ?? loaded.snapshot?.result.tier ?? null;
  if (!tierName) throw new ReviewInputError("Choose a pricing tier");
  const tier = pricing.table.tiers.find((t) => t.name === tierName);
  if (!tier) throw new ReviewInputError(`Pricing v${pricing.version} has no tier ${tierName}`);
  const amountCents = loaded.application.amountCents - input.downPaymentCents;
  if (input.downPaymentCents < 0 || amountCents <= 0) {
    throw new ReviewInputError(
      `The down payment must be less than the amount (${formatMoney(loaded.application.amountCents)})`,
    );
  }
  const inputs = loaded.snapshot?.inputs;
  const generation = generateOffers({
    table: pricing.table,
    tier,
    amountCents,
    monthlyIncomeCents:
      inputs?.application.monthlyIncomeCents ?? loaded.application.monthlyIncomeCents,
    merchant: inputs?.merchant ?? {
      pricingPlan: loaded.merchant.pricingPlan,
      merchantFeeBps: loaded.merchant.merchantFeeBps,
      minAmountCents: loaded.merchant.minAmountCents,
      maxAmountCents: loaded.merchant.maxAmountCents,
    },
  });
  return {
    pricing,
    tier: tier.name,
    downPaymentCents: input.downPaymentCents,
    amountCents,
    generation,
  };
}

export const blockedText: Record<NonNullable<OfferGeneration["blockedBy"]>, string> = {
  amount_outside_limits: "The amount is outside this tier's or the merchant's limits.",
  no_affordable_offer: "No term has a payment within the affordability limit.",
};

/** The offers an approval makes: stored offers of the reviewed decision, or a pricing run's. */
async function chosenOffers(database: Database, loaded: LoadedReview, form: ApproveForm) {
  if (form.pricing) {
    const pricing = await reviewPricing(database, loaded.decision);
    if (!pricing) throw new ReviewInputError("No pricing is published");
    const run = reprice(loaded, pricing, form.pricing);
    if (run.generation.blockedBy) throw new ReviewInputError(blockedText[run.generation.blockedBy]);
    const terms = form.offerKeys.map((key) => {
      const parsed = parseOfferKey(key);
      if (parsed?.kind !== "term") throw new ReviewInputError("Choose offers from one list");
      return `term:${parsed.term}`;
    });
    return { offers: pickTerms(run.generation, terms), repricing: run };
  }
  // The engine's own offers: the reviewed decision's snapshot holds each in full.
  const engineOffers = loaded.snapshot?.result.offers ?? [];
  const offers = form.offerKeys.map((key) => {
    const parsed = parseOfferKey(key);
    const row =
      parsed?.kind === "stored" ? loaded.storedOffers.find((o) => o.id === parsed.id) : undefined;
    const offer = row
      ? engineOffers.find(
          (o) =>
            termKey(o) ===
            termKey({
              kind: row.promotional ? "promotional" : "standard",
              termMonths: row.termMonths,
            }),
        )
      : undefined;
    if (!offer) throw new ReviewInputError("That offer does not belong to this review");
    return offer;
  });
  return { offers, repricing: null };
}

/**
 * The review and application, checked resolvable in the resolution's transaction. The assignee
 * resolves; a second operator approving a pending decline (`proposalId`) need not be assigned.
 */
export async function lockForResolution(
  tx: Tx,
  reviewId: string,
  operatorId: string,
  proposalId: string | null = null,
) {
  const review = await tx.query.manualReviews.findFirst({ where: eq(manualReviews.id, reviewId) });
  if (!review) throw new ReviewNotFoundError(`Review ${reviewId} does not exist`);
  if (review.status === "resolved") {
    throw new ReviewStateError(`This review was already resolved (${review.resolution}).`);
  }
  if (!proposalId && review.assignedTo !== operatorId) {
    throw new ReviewStateError("Assign the review to yourself before resolving it.");
  }
  const pending = await tx
    .select({ id: declineProposals.id })
    .from(declineProposals)
    .where(
      and(eq(declineProposals.manualReviewId, reviewId), eq(declineProposals.status, "pending")),
    )
    .get();
  if (pending && pending.id !== proposalId) {
    throw new ReviewStateError(
      "A decline is waiting for a second operator's approval; withdraw it before resolving otherwise.",
    );
  }
  const application = await tx.query.applications.findFirst({
    where: eq(applications.id, review.applicationId),
  });
  if (!application || application.status !== "manual_review") {
    throw new ReviewStateError(
      `The application is ${application?.status ?? "missing"}; it is no longer in manual review.`,
    );
  }
  return { review, application };
}

export async function markResolved(
  tx: Tx,
  by: { reviewId: string; operatorId: string; form: { notes: string } },
  outcome: {
    applicationId: string;
    resolution: "approved" | "declined";
    conditions: UnderwriterSnapshot["conditions"];
    now: Date;
  },
) {
  const args = {
    ...outcome,
    reviewId: by.reviewId,
    operatorId: by.operatorId,
    notes: by.form.notes,
  };
  const resolved = await tx
    .update(manualReviews)
    .set({
      status: "resolved",
      resolution: args.resolution,
      notes: args.notes,
      conditions: args.conditions as Record<string, unknown> | null,
      resolvedBy: args.operatorId,
      resolvedAt: args.now,
    })
    .where(and(eq(manualReviews.id, args.reviewId), ne(manualReviews.status, "resolved")))
    .returning({ id: manualReviews.id });
  const moved = await tx
    .update(applications)
    .set({ status: args.resolution, decidedAt: args.now })
    .where(and(eq(applications.id, args.applicationId), eq(applications.status, "manual_review")))
    .returning({ id: applications.id });
  if (resolved.length === 0 || moved.length === 0) {
    throw new ReviewStateError("The review or its application changed meanwhile; reload the page.");
  }
}

/**
 * What follows any decision, as after the engine's: the CRM write-back of the new status, the
 * borrower's "decision ready" text (notifyDecision's template) and, with an address, an e-mail.
 */
export async function afterDecision(
  tx: Tx,
  loaded: LoadedReview,
  status: "approved" | "declined",
  documentsNeeded = 0,
) {
  const { application, customer, merchant } = loaded;
  await enqueueCrmSync(tx, application.id, status);
  await queueSms(tx, {
    to: customer.phone,
    applicationId: application.id,
    merchantId: merchant.id,
    template: "decision_ready",
    merchantName: merchant.name,
    status,
  });
  // A decline's e-mail is the adverse action notice itself, with the PDF: its delivery job was
  // enqueued with the notice (insertReviewDeclineNotice).
  if (status === "approved" && customer.email) {
    await queueEmail(tx, {
      to: customer.email,
      template: "decision_approved",
      subject: `You're approved for financing with ${merchant.name}`,
      text: [
        `Hello ${customer.firstName},`,
        "",
        `Good news: after a review by our team, your application to finance ${formatMoney(application.amountCents)} with ${merchant.name} is approved.`,
        "Open the link we texted you earlier to read your plans and their Truth-in-Lending disclosures, choose one and sign.",
        ...(documentsNeeded > 0
          ? [
              `Before the loan is paid out we need ${documentsNeeded === 1 ? "a document" : `${documentsNeeded} documents`} from you: the same link lists them and takes the upload.`,
            ]
          : []),
        "",
        "FlowPay",
      ].join("\n"),
      applicationId: application.id,
      merchantId: merchant.id,
    });
  }
}

export function baseSnapshot(loaded: LoadedReview, operatorId: string, notes: string) {
  const { decision, snapshot } = loaded;
  if (!decision || !snapshot) {
    throw new ReviewStateError("This review has no engine decision to resolve.");
  }
  return {
    snapshotVersion: 1 as const,
    kind: "underwriter" as const,
    applicationId: loaded.application.id,
    manualReviewId: loaded.review.id,
    basedOnDecisionId: decision.id,
    decidedBy: operatorId,
    notes,
    ruleSet: snapshot.ruleSet,
    inputs: snapshot.inputs,
    score: snapshot.result.score ?? null,
  };
}

export type Resolution = { decisionId: string; offerIds: string[]; noticeId: string | null };

/** Approve after review: a new approved decision with the chosen offers; see the module comment. */
export async function approveReview(
  database: Database,
  args: { reviewId: string; operatorId: string; form: ApproveForm; client: Client; now?: Date },
): Promise<Resolution> {
  const loaded = await loadReview(database, args.reviewId);
  if (!loaded) throw new ReviewNotFoundError(`Review ${args.reviewId} does not exist`);
  const base = baseSnapshot(loaded, args.operatorId, args.form.notes);
  const { offers, repricing } = await chosenOffers(database, loaded, args.form);
  if (offers.length === 0) throw new ReviewInputError("Choose at least one offer to extend");
  const now = args.now ?? new Date();
  const decision = loaded.decision!;
  const items = args.form.conditions;
  const conditions =
    (repricing?.downPaymentCents ?? 0) > 0 || args.form.conditionNote || items.length > 0
      ? {
          downPaymentCents: repricing?.downPaymentCents || null,
          note: args.form.conditionNote,
          items,
        }
      : null;
  const snapshot: UnderwriterSnapshot = {
    ...base,
    resolution: "approved",
    engineVersion: repricing ? ENGINE_VERSION : decision.engineVersion,
    pricing: repricing
      ? { id: repricing.pricing.id, version: repricing.pricing.version }
      : loaded.snapshot!.pricing,
    tier: offers[0]!.tier,
    conditions,
    repriced: repricing ? { tier: repricing.tier, amountCents: repricing.amountCents } : null,
    offers,
    declineReasons: [],
  };

  return database.write(async (tx) => {
    const { application } = await lockForResolution(tx, args.reviewId, args.operatorId);
    const { decisionId, offerIds } = await recordUnderwriterApproval(tx, {
      applicationId: application.id,
      reviewed: decision,
      decidedBy: args.operatorId,
      snapshot,
      offers,
      now,
    });
    // Funding conditions: the loan is not paid out until FlowOps clears each (ADR 035).
    const conditionIds = await insertConditions(tx, {
      applicationId: application.id,
      decisionId,
      operatorId: args.operatorId,
      items,
      now,
    });
    await markResolved(tx, args, {
      applicationId: application.id,
      resolution: "approved",
      conditions,
      now,
    });
    await auditResolution(tx, {
      ...args,
      applicationId: application.id,
      decisionId,
      status: "approved",
      details: {
        offers: offerIds.length,
        tier: snapshot.tier,
        repriced: snapshot.repriced !== null,
        downPaymentCents: conditions?.downPaymentCents ?? null,
        conditionIds,
      },
    });
    await afterDecision(tx, loaded, "approved", conditionIds.length);
    return { decisionId, offerIds, noticeId: null };
  });
}

export type DeclineOutcome =
  | ({ kind: "declined" } & Resolution)
  | { kind: "awaiting_second_approval"; proposalId: string; unsupported: string[] };

function declineSnapshot(loaded: LoadedReview, author: string, form: DeclineForm) {
  const decision = loaded.decision!;
  const snapshot: UnderwriterSnapshot = {
    ...baseSnapshot(loaded, author, form.notes),
    resolution: "declined",
    engineVersion: decision.engineVersion,
    pricing: loaded.snapshot!.pricing,
    tier: null,
    conditions: null,
    repriced: null,
    offers: [],
    declineReasons: form.reasonCodes,
  };
  return snapshot;
}

/**
 * The decline itself, in the caller's transaction: decisioning writes the declined decision and
 * its notice (with exactly these reasons) after checking them against the evidence; then the
 * review is resolved, audited, and the borrower and CRM told (ADR 016: the notice's delivery is a
 * job committed with it).
 */
async function commitDecline(
  tx: Tx,
  loaded: LoadedReview,
  args: {
    author: string;
    form: DeclineForm;
    secondApproval: SecondApproval | null;
    proposalId: string | null;
    client: Client;
    now: Date;
  },
): Promise<Resolution> {
  const actingOperator = args.secondApproval?.approvedBy ?? args.author;
  const { application } = await lockForResolution(
    tx,
    loaded.review.id,
    actingOperator,
    args.proposalId,
  );
  const { decisionId, noticeId, unsupported } = await recordUnderwriterDecline(tx, {
    applicationId: application.id,
    reviewed: loaded.decision!,
    evidence: loaded.snapshot!,
    decidedBy: args.author,
    reasonCodes: args.form.reasonCodes,
    secondApproval: args.secondApproval,
    snapshot: declineSnapshot(loaded, args.author, args.form) as unknown as Record<string, unknown>,
    now: args.now,
  });
  await markResolved(
    tx,
    { reviewId: loaded.review.id, operatorId: args.author, form: args.form },
    { applicationId: application.id, resolution: "declined", conditions: null, now: args.now },
  );
  await auditResolution(tx, {
    reviewId: loaded.review.id,
    operatorId: actingOperator,
    client: args.client,
    applicationId: application.id,
    decisionId,
    status: "declined",
    details: {
      declineReasons: args.form.reasonCodes,
      noticeId,
      author: args.author,
      unsupportedReasons: unsupported,
      proposalId: args.proposalId,
    },
  });
  await afterDecision(tx, loaded, "declined");
  return { decisionId, offerIds: [], noticeId };
}

/**
 * Decline after review. Reasons the decision's evidence supports (reason-evidence.ts) decline at
 * once. Any other reason needs a written justification, and then the decline waits as a
 * proposal for a second operator (approveDeclineProposal); without one it is refused.
 */
export async function declineReview(
  database: Database,
  args: { reviewId: string; operatorId: string; form: DeclineForm; client: Client; now?: Date },
): Promise<DeclineOutcome> {
  const loaded = await loadReview(database, args.reviewId);
  if (!loaded) throw new ReviewNotFoundError(`Review ${args.reviewId} does not exist`);
  if (loaded.review.status === "resolved") {
    throw new ReviewStateError(`This review was already resolved (${loaded.review.resolution}).`);
  }
  if (!loaded.decision || !loaded.snapshot) {
    throw new ReviewStateError("This review has no engine decision to resolve.");
  }
  const now = args.now ?? new Date();
  const { unsupported } = classifyDeclineReasons(
    args.form.reasonCodes,
    supportedDeclineReasons(loaded.snapshot),
  );
  if (unsupported.length === 0) {
    const resolution = await database.write((tx) =>
      commitDecline(tx, loaded, {
        author: args.operatorId,
        form: args.form,
        secondApproval: null,
        proposalId: null,
        client: args.client,
        now,
      }),
    );
    return { kind: "declined", ...resolution };
  }
  if (!args.form.justification) {
    throw new ReviewInputError(
      `The decision's evidence does not support ${unsupported.map(reasonText).join("; ")}. Write a justification: the decline then waits for a second operator's approval.`,
    );
  }
  const justification = args.form.justification;
  return database.write(async (tx) => {
    const { application } = await lockForResolution(tx, args.reviewId, args.operatorId);
    const proposalId = newId("dpr");
    await tx.insert(declineProposals).values({
      id: proposalId,
      manualReviewId: args.reviewId,
      applicationId: application.id,
      reasonCodes: args.form.reasonCodes,
      unsupportedCodes: unsupported,
      justification,
      notes: args.form.notes,
      status: "pending",
      proposedBy: args.operatorId,
      createdAt: now,
      updatedAt: now,
    });
    await audit(tx, {
      actorType: "operator",
      actorId: args.operatorId,
      ...args.client,
      action: "decline_proposal.create",
      entityType: "manual_review",
      entityId: args.reviewId,
      details: {
        applicationId: application.id,
        proposalId,
        reasonCodes: args.form.reasonCodes,
        unsupported,
        justification,
      },
    });
    return { kind: "awaiting_second_approval" as const, proposalId, unsupported };
  });
}

export async function pendingDeclineProposal(database: Database, reviewId: string) {
  const proposal = await database.db
    .select({ p: declineProposals, authorName: operators.name })
    .from(declineProposals)
    .leftJoin(operators, eq(operators.id, declineProposals.proposedBy))
    .where(
      and(eq(declineProposals.manualReviewId, reviewId), eq(declineProposals.status, "pending")),
    )
    .get();
  return proposal ? { ...proposal.p, authorName: proposal.authorName } : null;
}

async function loadProposal(database: Database, proposalId: string) {
  const proposal = await database.db
    .select()
    .from(declineProposals)
    .where(eq(declineProposals.id, proposalId))
    .get();
  if (!proposal) throw new ReviewNotFoundError(`Decline proposal ${proposalId} does not exist`);
  if (proposal.status !== "pending") {
    throw new ReviewStateError(`This decline was already ${proposal.status}.`);
  }
  return proposal;
}

/** Marks a pending proposal settled; false when someone settled it meanwhile. */
async function settleProposal(
  tx: Tx,
  proposalId: string,
  values: {
    status: "approved" | "rejected" | "withdrawn";
    resolvedBy: string;
    note: string | null;
    decisionId?: string | null;
    now: Date;
  },
) {
  const changed = await tx
    .update(declineProposals)
    .set({
      status: values.status,
      resolvedBy: values.resolvedBy,
      resolvedAt: values.now,
      resolutionNote: values.note,
      decisionId: values.decisionId ?? null,
      updatedAt: values.now,
    })
    .where(and(eq(declineProposals.id, proposalId), eq(declineProposals.status, "pending")))
    .returning({ id: declineProposals.id });
  if (changed.length === 0) throw new ReviewStateError("This decline was settled meanwhile.");
}

/**
 * A second operator approves a decline with reasons the evidence does not support: the decline
 * is made with the author's reasons (the notice carries exactly them). The author cannot.
 */
export async function approveDeclineProposal(
  database: Database,
  args: { proposalId: string; operatorId: string; client: Client; now?: Date },
): Promise<Resolution> {
  const proposal = await loadProposal(database, args.proposalId);
  if (proposal.proposedBy === args.operatorId) {
    throw new ReviewStateError("You wrote this decline: another operator must approve it.");
  }
  const loaded = await loadReview(database, proposal.manualReviewId);
  if (!loaded?.decision || !loaded.snapshot) {
    throw new ReviewNotFoundError(`Review ${proposal.manualReviewId} does not exist`);
  }
  const now = args.now ?? new Date();
  return database.write(async (tx) => {
    const resolution = await commitDecline(tx, loaded, {
      author: proposal.proposedBy,
      form: {
        reasonCodes: proposal.reasonCodes,
        notes: proposal.notes,
        justification: proposal.justification,
      },
      secondApproval: { approvedBy: args.operatorId, justification: proposal.justification },
      proposalId: proposal.id,
      client: args.client,
      now,
    });
    await settleProposal(tx, proposal.id, {
      status: "approved",
      resolvedBy: args.operatorId,
      note: null,
      decisionId: resolution.decisionId,
      now,
    });
    await audit(tx, {
      actorType: "operator",
      actorId: args.operatorId,
      ...args.client,
      action: "decline_proposal.approve",
      entityType: "manual_review",
      entityId: proposal.manualReviewId,
      details: { proposalId: proposal.id, decisionId: resolution.decisionId },
    });
    return resolution;
  });
}

/**
 * A second operator refuses the decline (with a note), or its author withdraws it; the review
 * stays open for its assignee.
 */
export async function settleDeclineProposal(
  database: Database,
  args: {
    proposalId: string;
    operatorId: string;
    action: "reject" | "withdraw";
    note: string | null;
    client: Client;
    now?: Date;
  },
) {
  const proposal = await loadProposal(database, args.proposalId);
  const mine = proposal.proposedBy === args.operatorId;
  if (args.action === "withdraw" && !mine) {
    throw new ReviewStateError("Only the author can withdraw this decline.");
  }
  if (args.action === "reject" && mine) {
    throw new ReviewStateError("Withdraw your own decline instead of rejecting it.");
  }
  if (args.action === "reject" && (args.note ?? "").trim().length < 5) {
    throw new ReviewInputError("Say why the decline is refused (at least 5 characters).");
  }
  const now = args.now ?? new Date();
  await database.write(async (tx) => {
    await settleProposal(tx, proposal.id, {
      status: args.action === "reject" ? "rejected" : "withdrawn",
      resolvedBy: args.operatorId,
      note: args.note,
      now,
    });
    await audit(tx, {
      actorType: "operator",
      actorId: args.operatorId,
      ...args.client,
      action: args.action === "reject" ? "decline_proposal.reject" : "decline_proposal.withdraw",
      entityType: "manual_review",
      entityId: proposal.manualReviewId,
      details: { proposalId: proposal.id, note: args.note },
    });
  });
}

async function auditResolution(
  tx: Tx,
  args: {
    reviewId: string;
    operatorId: string;
    client: Client;
    applicationId: string;
    decisionId: string;
    status: "approved" | "declined";
    details: Record<string, unknown>;
  },
) {
  const actor = { actorType: "operator" as const, actorId: args.operatorId, ...args.client };
  await audit(tx, {
    ...actor,
    action: "manual_review.resolve",
    entityType: "manual_review",
    entityId: args.reviewId,
    details: {
      applicationId: args.applicationId,
      resolution: args.status,
      decisionId: args.decisionId,
    },
  });
  await audit(tx, {
    ...actor,
    action: "application.decided",
    entityType: "application",
    entityId: args.applicationId,
    details: {
      decisionId: args.decisionId,
      status: args.status,
      manualReviewId: args.reviewId,
      ...args.details,
    },
  });
}

/** "Assign to me": a pending review, or one another underwriter holds (taking it over). */
export async function assignReview(
  database: Database,
  args: { reviewId: string; operatorId: string; client: Client; now?: Date },
) {
  return database.write(async (tx) => {
    const review = await tx.query.manualReviews.findFirst({
      where: eq(manualReviews.id, args.reviewId),
    });
    if (!review) throw new ReviewNotFoundError(`Review ${args.reviewId} does not exist`);
    if (review.status === "resolved") {
      throw new ReviewStateError("This review is already resolved.");
    }
    if (review.assignedTo === args.operatorId) return { changed: false };
    await tx
      .update(manualReviews)
      .set({ status: "assigned", assignedTo: args.operatorId, assignedAt: args.now ?? new Date() })
      .where(and(eq(manualReviews.id, args.reviewId), ne(manualReviews.status, "resolved")));
    await audit(tx, {
      actorType: "operator",
      actorId: args.operatorId,
      ...args.client,
      action: "manual_review.assign",
      entityType: "manual_review",
      entityId: args.reviewId,
      details: { applicationId: review.applicationId, previousAssignee: review.assignedTo },
    });
    return { changed: true };
  });
}

export type Candidate = {
  key: string;
  termMonths: number;
  promotional: boolean;
  apr: string;
  noteRate: string;
  monthlyPaymentCents: number;
  amountFinancedCents: number;
  financeChargeCents: number;
  totalOfPaymentsCents: number;
  tier: string | null;
};

/**
 * What the review screen shows: the review and its decision, and the offers an approval can
 * extend — the engine's, or (with ?tier= and/or ?downPayment= in dollars) a new pricing run.
 */
export async function loadReviewPage(database: Database, reviewId: string, query: URLSearchParams) {
  const loaded = await loadReview(database, reviewId);
  if (!loaded) return null;
  const pricing = await reviewPricing(database, loaded.decision);
  let priceError: string | null = null;
  let downPaymentCents = 0;
  try {
    downPaymentCents = optionalDollarsField(query.get("downPayment")) ?? 0;
  } catch (error) {
    priceError = (error as Error).message;
  }
  const tierParam = (query.get("tier") ?? "").trim();
  const tier = /^[A-Z]$/.test(tierParam) ? tierParam : null;
  const wantsRepricing = Boolean(tier) || downPaymentCents > 0;

  let candidates: Candidate[] = [];
  let source: "engine" | "repriced" | "none" = "none";
  if (wantsRepricing && !priceError) {
    if (!pricing) priceError = "No pricing is published";
    else {
      try {
        const run = reprice(loaded, pricing, { tier, downPaymentCents });
        if (run.generation.blockedBy) priceError = blockedText[run.generation.blockedBy];
        candidates = run.generation.offers.map((o) => ({
          key: termKey(o),
          termMonths: o.termMonths,
          promotional: o.kind === "promotional",
          apr: o.apr,
          noteRate: o.noteRate,
          monthlyPaymentCents: o.paymentCents,
          amountFinancedCents: o.amountFinancedCents,
          financeChargeCents: o.financeChargeCents,
          totalOfPaymentsCents: o.totalOfPaymentsCents,
          tier: o.tier,
        }));
        source = "repriced";
      } catch (error) {
        if (!(error instanceof ReviewInputError)) throw error;
        priceError = error.message;
      }
    }
  } else if (loaded.storedOffers.length > 0) {
    source = "engine";
    candidates = loaded.storedOffers.map((o) => ({
      key: storedOfferKey(o.id),
      termMonths: o.termMonths,
      promotional: o.promotional,
      apr: o.apr,
      noteRate: o.noteRate,
      monthlyPaymentCents: o.monthlyPaymentCents,
      amountFinancedCents: o.amountFinancedCents,
      financeChargeCents: o.financeChargeCents,
      totalOfPaymentsCents: o.totalOfPaymentsCents,
      tier: o.tier,
    }));
  }
  return {
    loaded,
    decision: loaded.decision ? decisionView(loaded.decision, loaded.storedOffers, null) : null,
    candidates,
    source,
    pricingInput: { tier: tier ?? loaded.snapshot?.result.tier ?? null, downPaymentCents },
    pricingVersion: pricing?.version ?? null,
    tiers: pricing?.table.tiers.map((t) => ({ name: t.name, minScore: t.minScore })) ?? [],
    priceError,
  };
}

/**
 * What the review screen adds for resolving: the decline reasons the evidence supports (with the
 * evidence) and the others, a decline waiting for a second operator, and the application's
 * funding conditions (count, for the link to their page).
 */
export async function loadResolutionExtras(
  database: Database,
  loaded: LoadedReview,
  operatorId: string,
) {
  const supported = loaded.snapshot ? supportedDeclineReasons(loaded.snapshot) : [];
  const supportedCodes = new Set(supported.map((s) => s.code));
  const consumerText = (code: string) =>
    declineReasonOptions.find((o) => o.code === code)?.consumer ?? reasonText(code);
  const [proposal, conditions] = await Promise.all([
    pendingDeclineProposal(database, loaded.review.id),
    database.db
      .select({ status: loanConditions.status })
      .from(loanConditions)
      .where(eq(loanConditions.applicationId, loaded.application.id))
      .all(),
  ]);
  return {
    supportedReasons: supported.map((s) => ({
      code: s.code,
      consumer: consumerText(s.code),
      evidence: s.evidence.map((e) => e.text),
    })),
    otherReasons: declineReasonOptions
      .filter((o) => !supportedCodes.has(o.code))
      .map((o) => ({ code: o.code, consumer: o.consumer })),
    proposal: proposal
      ? {
          id: proposal.id,
          authorName: proposal.authorName,
          mine: proposal.proposedBy === operatorId,
          reasons: proposal.reasonCodes.map((code) => ({
            code,
            text: consumerText(code),
            supported: !proposal.unsupportedCodes.includes(code),
          })),
          justification: proposal.justification,
          notes: proposal.notes,
          createdAt: proposal.createdAt.toISOString(),
        }
      : null,
    conditions: {
      total: conditions.length,
      open: conditions.filter((c) => c.status !== "cleared").length,
    },
  };
}

/** The application behind a review, for the review's sub-pages (funding conditions). */
export async function reviewApplication(database: Database, reviewId: string) {
  const row = await database.db
    .select({
      reviewId: manualReviews.id,
      applicationId: applications.id,
      status: applications.status,
      firstName: customers.firstName,
      lastName: customers.lastName,
      merchantName: merchants.name,
    })
    .from(manualReviews)
    .innerJoin(applications, eq(applications.id, manualReviews.applicationId))
    .innerJoin(customers, eq(customers.id, applications.customerId))
    .innerJoin(merchants, eq(merchants.id, applications.merchantId))
    .where(eq(manualReviews.id, reviewId))
    .get();
  return row ?? null;
}

/**
 * Counter-offer (issue 18, ADR 077): instead of approving what was asked, the underwriter offers
 * a lower amount and/or another tier, priced by the real offer rules (`reprice`, the engine's
 * generateOffers: integer cents, Appendix J APRs). Decisioning writes the decision
 * (recordCounterOffer); this module resolves the review, tells the borrower and the CRM, and
 * handles the borrower's answer.
 *
 * Public statuses stay those of docs/product/api.md: a counter-offer is an approval (`approved`,
 * `application.approved`); accepting it is signing one of its offers (`offer_accepted`, then as
 * usual); declining it is adverse action, so the application ends `declined` with a notice
 * carrying the counter-offer's reasons (`application.declined`).
 */
import { and, desc, eq } from "drizzle-orm";
import { z } from "zod";
import type { Database, Tx } from "~/db/client";
import { newId } from "~/db/ids";
import { applications, counterOffers, decisions, manualReviews } from "~/db/schema/index";
import { enqueue } from "~/jobs/enqueue.server";
import { counterOfferLapseJob } from "~/jobs/handlers/counter-offer-lapse.definition";
import { audit } from "~/app/audit/audit.server";
import { applicationParty } from "~/app/borrower/party.server";
import { enqueueCrmSync } from "~/app/crm-sync/enqueue.server";
import {
  recordCounterOffer,
  recordCounterOfferDeclined,
} from "~/app/decisioning/counter-offer.server";
import { ENGINE_VERSION, type DecisionSnapshot } from "~/app/decisioning/engine";
import { supportedDeclineReasons } from "~/app/decisioning/reason-evidence";
import { queueEmail } from "~/app/messaging/email.server";
import { queueSms } from "~/app/messaging/sms.server";
import { dollarsToCents, formatMoney } from "~/app/money/dollars";
import { counterNotesLimits, counterOfferProblem, maxCounterReasons } from "./counter-offer";
import { ReviewInputError, type UnderwriterSnapshot } from "./reviews";
import {
  baseSnapshot,
  blockedText,
  loadReview,
  lockForResolution,
  markResolved,
  reprice,
  reviewPricing,
  ReviewNotFoundError,
  ReviewStateError,
  type LoadedReview,
} from "./reviews.server";

type Client = { ip: string | null; userAgent: string | null };

/** A refusal tied to a field of the form (422 on the page, the message on the field). */
export class CounterOfferInputError extends Error {
  override name = "CounterOfferInputError";
  constructor(
    readonly field: "amount" | "tier" | "reasonCodes" | "notes",
    message: string,
  ) {
    super(message);
  }
}

/** The borrower's counter-offer is not (or no longer) there to decline. */
export class CounterOfferStateError extends Error {
  override name = "CounterOfferStateError";
}

/** The underwriter's form (Conform + zod). */
export const counterOfferSchema = z.object({
  amount: z.string("Enter the amount to offer").transform((value, ctx) => {
    const cents = dollarsToCents(value);
    if (cents === null) {
      ctx.addIssue({
        code: "custom",
        message: "Enter an amount in dollars, like 5000 or 4,250.50",
      });
      return z.NEVER;
    }
    return cents;
  }),
  tier: z.string("Choose a pricing tier").regex(/^[A-Z]$/, "Choose a pricing tier"),
  reasonCodes: z
    .array(z.string().min(1), "Give at least one reason the terms asked for are refused")
    .min(1, "Give at least one reason the terms asked for are refused")
    .max(maxCounterReasons, `Give at most ${maxCounterReasons} reasons`),
  notes: z
    .string("Write a note for the file")
    .trim()
    .min(
      counterNotesLimits.min,
      `Write a note for the file (at least ${counterNotesLimits.min} characters)`,
    )
    .max(counterNotesLimits.max, `Keep the note under ${counterNotesLimits.max} characters`),
});
export type CounterOfferForm = z.output<typeof counterOfferSchema>;

function requireEvidence(loaded: LoadedReview) {
  if (!loaded.decision || !loaded.snapshot) {
    throw new ReviewStateError("This review has no engine decision to counter.");
  }
  return { decision: loaded.decision, snapshot: loaded.snapshot };
}

/**
 * Prices a counter-offer: the application's amount less what the borrower would pay directly,
 * in `tier`, by the pricing version the reviewed decision used. Throws CounterOfferInputError.
 */
export async function priceCounterOffer(
  database: Database,
  loaded: LoadedReview,
  input: { amountCents: number; tier: string },
) {
  const requested = loaded.application.amountCents;
  const problem = counterOfferProblem({
    requestedAmountCents: requested,
    amountCents: input.amountCents,
    originalTier: loaded.snapshot?.result.tier ?? null,
    tier: input.tier,
  });
  if (problem) throw new CounterOfferInputError(problem.field, problem.message);
  const pricing = await reviewPricing(database, loaded.decision);
  if (!pricing) throw new CounterOfferInputError("tier", "No pricing is published");
  try {
    const run = reprice(loaded, pricing, {
      tier: input.tier,
      downPaymentCents: requested - input.amountCents,
    });
    if (run.generation.blockedBy) {
      throw new CounterOfferInputError("amount", blockedText[run.generation.blockedBy]);
    }
    return run;
  } catch (error) {
    if (error instanceof ReviewInputError) throw new CounterOfferInputError("tier", error.message);
    throw error;
  }
}

/** What the counter-offer page needs besides the review: tiers, reasons, and a priced preview. */
export async function loadCounterOfferPage(
  database: Database,
  reviewId: string,
  query: URLSearchParams,
) {
  const loaded = await loadReview(database, reviewId);
  if (!loaded) return null;
  const pricing = await reviewPricing(database, loaded.decision);
  const supported = loaded.snapshot ? supportedDeclineReasons(loaded.snapshot) : [];
  const originalTier = loaded.snapshot?.result.tier ?? pricing?.table.tiers[0]?.name ?? null;
  const amountParam = query.get("amount");
  const input = {
    amount: amountParam ?? String(loaded.application.amountCents / 100),
    tier: query.get("tier") ?? originalTier ?? "",
  };
  let preview: { offers: PreviewOffer[]; amountCents: number } | null = null;
  let previewError: string | null = null;
  if (amountParam !== null) {
    const amountCents = dollarsToCents(input.amount);
    try {
      if (amountCents === null)
        throw new CounterOfferInputError("amount", "Enter an amount in dollars");
      const run = await priceCounterOffer(database, loaded, { amountCents, tier: input.tier });
      preview = { amountCents: run.amountCents, offers: run.generation.offers.map(previewOffer) };
    } catch (error) {
      if (!(error instanceof CounterOfferInputError)) throw error;
      previewError = error.message;
    }
  }
  return {
    loaded,
    originalTier,
    tiers: pricing?.table.tiers.map((t) => ({ name: t.name, minScore: t.minScore })) ?? [],
    reasons: supported.map((s) => ({ code: s.code, evidence: s.evidence.map((e) => e.text) })),
    input,
    preview,
    previewError,
    counterOffers: await listCounterOffers(database, reviewId),
  };
}

type PreviewOffer = {
  termMonths: number;
  promotional: boolean;
  apr: string;
  monthlyPaymentCents: number;
  amountFinancedCents: number;
  financeChargeCents: number;
  totalOfPaymentsCents: number;
};

const previewOffer = (
  o: Awaited<ReturnType<typeof priceCounterOffer>>["generation"]["offers"][number],
): PreviewOffer => ({
  termMonths: o.termMonths,
  promotional: o.kind === "promotional",
  apr: o.apr,
  monthlyPaymentCents: o.paymentCents,
  amountFinancedCents: o.amountFinancedCents,
  financeChargeCents: o.financeChargeCents,
  totalOfPaymentsCents: o.totalOfPaymentsCents,
});

export async function listCounterOffers(database: Database, reviewId: string) {
  const rows = await database.db
    .select()
    .from(counterOffers)
    .where(eq(counterOffers.manualReviewId, reviewId))
    .orderBy(desc(counterOffers.createdAt));
  return rows.map((r) => ({
    id: r.id,
    status: r.status,
    amountCents: r.amountCents,
    requestedAmountCents: r.requestedAmountCents,
    tier: r.tier,
    createdAt: r.createdAt.toISOString(),
    respondedAt: r.respondedAt?.toISOString() ?? null,
  }));
}

/**
 * Makes the counter-offer: decisioning's approved decision with the priced offers, the review
 * resolved, the borrower texted and e-mailed, the CRM told `approved`, all audited — one
 * transaction. Reasons must be ones the reviewed decision's evidence supports.
 */
export async function makeCounterOffer(
  database: Database,
  args: {
    reviewId: string;
    operatorId: string;
    form: CounterOfferForm;
    client: Client;
    now?: Date;
  },
) {
  const loaded = await loadReview(database, args.reviewId);
  if (!loaded) throw new ReviewNotFoundError(`Review ${args.reviewId} does not exist`);
  const { decision, snapshot } = requireEvidence(loaded);
  if (loaded.review.status === "waiting") {
    throw new ReviewStateError(
      "A request to the borrower is open: withdraw it or wait for the answer.",
    );
  }
  const supported = new Set(supportedDeclineReasons(snapshot).map((s) => s.code));
  const reasonCodes = [...new Set(args.form.reasonCodes)];
  if (reasonCodes.some((code) => !supported.has(code))) {
    throw new CounterOfferInputError(
      "reasonCodes",
      "Choose reasons the decision's evidence supports (a counter-offer is not a decline)",
    );
  }
  const run = await priceCounterOffer(database, loaded, {
    amountCents: args.form.amount,
    tier: args.form.tier,
  });
  const offers = run.generation.offers;
  const now = args.now ?? new Date();
  const requestedAmountCents = loaded.application.amountCents;
  const underwriterSnapshot: UnderwriterSnapshot = {
    ...baseSnapshot(loaded, args.operatorId, args.form.notes),
    resolution: "approved",
    engineVersion: ENGINE_VERSION,
    pricing: { id: run.pricing.id, version: run.pricing.version },
    tier: run.tier,
    conditions: null,
    repriced: { tier: run.tier, amountCents: run.amountCents },
    offers,
    declineReasons: [],
  };
  return database.write(async (tx) => {
    const { application } = await lockForResolution(tx, args.reviewId, args.operatorId);
    const terms = {
      requestedAmountCents,
      amountCents: run.amountCents,
      tier: run.tier,
      reasonCodes,
    };
    const { decisionId, offerIds } = await recordCounterOffer(tx, {
      applicationId: application.id,
      reviewed: decision,
      evidence: snapshot as DecisionSnapshot,
      decidedBy: args.operatorId,
      terms,
      snapshot: underwriterSnapshot as unknown as Parameters<
        typeof recordCounterOffer
      >[1]["snapshot"],
      offers,
      now,
    });
    const counterOfferId = newId("cof");
    await tx.insert(counterOffers).values({
      id: counterOfferId,
      manualReviewId: args.reviewId,
      applicationId: application.id,
      decisionId,
      requestedAmountCents,
      amountCents: run.amountCents,
      tier: run.tier,
      reasonCodes,
      status: "offered",
      offeredBy: args.operatorId,
      createdAt: now,
      updatedAt: now,
    });
    // A counter-offer resolves the review as an approval; counter_offers says which kind.
    await markResolved(tx, args, {
      applicationId: application.id,
      resolution: "approved",
      conditions: null,
      now,
    });
    const actor = { actorType: "operator" as const, actorId: args.operatorId, ...args.client };
    await audit(tx, {
      ...actor,
      action: "manual_review.counter_offer",
      entityType: "manual_review",
      entityId: args.reviewId,
      details: { applicationId: application.id, counterOfferId, decisionId, ...terms },
    });
    await audit(tx, {
      ...actor,
      action: "application.decided",
      entityType: "application",
      entityId: application.id,
      details: { decisionId, status: "approved", manualReviewId: args.reviewId, counterOfferId },
    });
    await enqueueCrmSync(tx, application.id, "approved");
    // Unanswered, it lapses as declined: a durable timer keyed by the counter-offer (ADR 012).
    await enqueue(
      tx,
      counterOfferLapseJob,
      { counterOfferId },
      { runAt: new Date(now.getTime() + counterOfferLapseDays * 86_400_000), key: counterOfferId },
    );
    await tellBorrower(tx, application.id, run.amountCents, requestedAmountCents);
    return { counterOfferId, decisionId, offerIds };
  });
}

async function tellBorrower(tx: Tx, applicationId: string, amountCents: number, requested: number) {
  const party = await applicationParty(tx, applicationId);
  if (!party) return;
  const { customer, merchant } = party;
  await queueSms(tx, {
    to: customer.phone,
    applicationId,
    merchantId: merchant.id,
    template: "counter_offer",
    merchantName: merchant.name,
    amountCents,
  });
  if (!customer.email) return;
  await queueEmail(tx, {
    to: customer.email,
    template: "counter_offer",
    subject: `A counter-offer for your financing with ${merchant.name}`,
    text: [
      `Hello ${customer.firstName},`,
      "",
      `After reviewing your application, we can't finance the ${formatMoney(requested)} you asked for with ${merchant.name}, but we can offer ${formatMoney(amountCents)}.`,
      ...(amountCents < requested
        ? [
            `You would pay the remaining ${formatMoney(requested - amountCents)} to ${merchant.name} directly.`,
          ]
        : []),
      "Open the link we texted you earlier to read the plans and their Truth-in-Lending disclosures. You can accept by choosing a plan and signing, or decline the counter-offer.",
      "",
      "FlowPay",
    ].join("\n"),
    applicationId,
    merchantId: merchant.id,
  });
}

/** The counter-offer the borrower's offers page shows: the open one of the current approval. */
export async function openCounterOffer(database: Database, applicationId: string) {
  const row = await database.db
    .select()
    .from(counterOffers)
    .where(and(eq(counterOffers.applicationId, applicationId), eq(counterOffers.status, "offered")))
    .orderBy(desc(counterOffers.createdAt))
    .get();
  if (!row) return null;
  const latest = await latestApproval(database.db, applicationId);
  return latest?.id === row.decisionId ? row : null;
}

async function latestApproval(reader: Database["db"] | Tx, applicationId: string) {
  return reader
    .select({ id: decisions.id })
    .from(decisions)
    .where(and(eq(decisions.applicationId, applicationId), eq(decisions.status, "approved")))
    .orderBy(desc(decisions.decidedAt), desc(decisions.id))
    .get();
}

/**
 * The borrower declines the counter-offer: decisioning's decline with the counter-offer's
 * reasons and its adverse action notice; the application `declined`, the CRM and the borrower
 * told, audited — one transaction. Nothing is written when it is not open any more.
 */
export async function declineCounterOffer(
  database: Database,
  args: { applicationId: string; customerId: string; client: Client; now?: Date },
) {
  return database.write((tx) =>
    endCounterOffer(tx, {
      applicationId: args.applicationId,
      actor: { actorType: "borrower", actorId: args.customerId, ...args.client },
      action: "counter_offer.decline",
      now: args.now ?? new Date(),
    }),
  );
}

/** A counter-offer stays open this long; then it lapses as declined (ADR 077). */
export const counterOfferLapseDays = 30;

/**
 * The lapse job: a counter-offer neither signed nor declined in 30 days ends as declined, with
 * the notice Regulation B requires within 90 days of a counter-offer not accepted. A no-op once
 * it was answered.
 */
export async function lapseCounterOffer(
  database: Database,
  counterOfferId: string,
  now = new Date(),
): Promise<"lapsed" | "not_open"> {
  return database.write(async (tx) => {
    const row = await tx
      .select({ applicationId: counterOffers.applicationId, status: counterOffers.status })
      .from(counterOffers)
      .where(eq(counterOffers.id, counterOfferId))
      .get();
    if (row?.status !== "offered") return "not_open";
    try {
      await endCounterOffer(tx, {
        applicationId: row.applicationId,
        actor: { actorType: "system", actorId: "counter-offer-lapse" },
        action: "counter_offer.lapsed",
        counterOfferId,
        now,
      });
    } catch (error) {
      // Superseded (e.g. the amount changed since) or no longer approved: nothing to end.
      if (error instanceof CounterOfferStateError) return "not_open";
      throw error;
    }
    return "lapsed";
  });
}

async function endCounterOffer(
  tx: Tx,
  args: {
    applicationId: string;
    actor: {
      actorType: "borrower" | "system";
      actorId: string;
      ip?: string | null;
      userAgent?: string | null;
    };
    action: "counter_offer.decline" | "counter_offer.lapsed";
    /** Only this counter-offer (the lapse job's): a newer one is not its to end. */
    counterOfferId?: string;
    now: Date;
  },
) {
  const now = args.now;
  const row = await tx
    .select()
    .from(counterOffers)
    .where(
      and(eq(counterOffers.applicationId, args.applicationId), eq(counterOffers.status, "offered")),
    )
    .orderBy(desc(counterOffers.createdAt))
    .get();
  const latest = await latestApproval(tx, args.applicationId);
  if (!row || latest?.id !== row.decisionId || (args.counterOfferId ?? row.id) !== row.id) {
    throw new CounterOfferStateError("There is no counter-offer to decline.");
  }
  const review = await tx.query.manualReviews.findFirst({
    where: eq(manualReviews.id, row.manualReviewId),
  });
  const reviewed = review?.decisionId
    ? await tx.query.decisions.findFirst({ where: eq(decisions.id, review.decisionId) })
    : undefined;
  if (!reviewed) throw new CounterOfferStateError("The reviewed decision is missing.");
  const moved = await tx
    .update(applications)
    .set({ status: "declined", decidedAt: now })
    .where(and(eq(applications.id, args.applicationId), eq(applications.status, "approved")))
    .returning({ id: applications.id });
  if (moved.length === 0) throw new CounterOfferStateError("The counter-offer is no longer open.");
  const { decisionId, noticeId } = await recordCounterOfferDeclined(tx, {
    applicationId: args.applicationId,
    reviewed,
    evidence: reviewed.snapshot as unknown as DecisionSnapshot,
    counterOfferId: row.id,
    counterDecisionId: row.decisionId,
    offeredBy: row.offeredBy,
    reasonCodes: row.reasonCodes,
    now,
  });
  await tx
    .update(counterOffers)
    .set({ status: "declined", respondedAt: now, declineDecisionId: decisionId, updatedAt: now })
    .where(eq(counterOffers.id, row.id));
  await enqueueCrmSync(tx, args.applicationId, "declined");
  const party = await applicationParty(tx, args.applicationId);
  if (party) {
    await queueSms(tx, {
      to: party.customer.phone,
      applicationId: args.applicationId,
      merchantId: party.merchant.id,
      template: "decision_ready",
      merchantName: party.merchant.name,
      status: "declined",
    });
  }
  await audit(tx, {
    ...args.actor,
    action: args.action,
    entityType: "application",
    entityId: args.applicationId,
    details: { counterOfferId: row.id, decisionId, noticeId },
  });
  return { decisionId, noticeId };
}

/** The borrower's "decline the counter-offer" form: one box that says they mean it. */
export const counterDeclineSchema = z.object({
  confirm: z.literal("yes", "Tick the box to confirm you decline the counter-offer"),
});

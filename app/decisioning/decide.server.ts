import { and, desc, eq, isNull } from "drizzle-orm";
import type { Database } from "~/db/client";
import { newId } from "~/db/ids";
import {
  adverseActionNotices,
  applications,
  consents,
  customers,
  decisions,
  manualReviews,
  merchants,
  offers as offersTable,
} from "~/db/schema/index";
import { BureauError, type CreditBureau } from "~/adapters/experian/types";
import { audit } from "~/app/audit/audit.server";
import { businessMetrics } from "~/app/observability/business-metrics.server";
import { logger } from "~/app/observability/logger.server";
import { getCipher, type FieldCipher } from "~/app/security/encryption.server";
import { enqueueNoticeDelivery } from "./adverse-action.server";
import { customerPullRequest, getCreditBureau } from "./bureau.server";
import { offerRow } from "./offer-rows";
import { buildSnapshot, evaluate, type DecisionStatus } from "./engine";
import {
  bankSummarySchema,
  kycFromStatus,
  merchantInputs,
  type CreditInput,
  type DecisionInputs,
} from "./inputs";
import { getPublishedPricing } from "./pricing-rules.server";
import { getPublishedRuleSet } from "./rule-sets.server";
import { reusableSoftPull } from "~/app/prequal/convert.server";

/**
 * Decides an application: loads it with its customer and merchant and the published rule
 * set and pricing, pulls the credit report (outside any transaction — network never holds
 * the write lock), evaluates, and then in ONE write transaction stores the immutable
 * snapshot, the offers, the manual-review item or the adverse action notice with the job
 * that delivers it, the application's new status and an audit record.
 *
 * A bureau failure is not an error page: the application goes to manual review saying
 * why. Deciding an application that already has a decision returns that decision.
 */
export class DecisionPreconditionError extends Error {
  override name = "DecisionPreconditionError";
}

export type DecideOptions = {
  bureau?: CreditBureau;
  cipher?: FieldCipher;
  now?: () => Date;
};

export type DecideOutcome = {
  decisionId: string;
  applicationId: string;
  status: DecisionStatus;
  score: number | null;
  tier: string | null;
  offerIds: string[];
  manualReviewId: string | null;
  adverseActionNoticeId: string | null;
  /** True when the application had been decided already and nothing new was written. */
  alreadyDecided: boolean;
};

const decidableStatuses = new Set(["in_progress", "submitted"]);

async function existingOutcome(
  database: Database,
  applicationId: string,
): Promise<DecideOutcome | null> {
  const decision = await database.db.query.decisions.findFirst({
    where: and(eq(decisions.applicationId, applicationId), isNull(decisions.decidedBy)),
    orderBy: desc(decisions.decidedAt),
  });
  if (!decision) return null;
  const [offerRows, review, notice] = await Promise.all([
    database.db.query.offers.findMany({ where: eq(offersTable.decisionId, decision.id) }),
    database.db.query.manualReviews.findFirst({ where: eq(manualReviews.decisionId, decision.id) }),
    database.db.query.adverseActionNotices.findFirst({
      where: eq(adverseActionNotices.decisionId, decision.id),
    }),
  ]);
  return {
    decisionId: decision.id,
    applicationId,
    status: decision.status,
    score: decision.score,
    tier: decision.tier,
    offerIds: offerRows.map((row) => row.id),
    manualReviewId: review?.id ?? null,
    adverseActionNoticeId: notice?.id ?? null,
    alreadyDecided: true,
  };
}

export function creditUnavailable(error: BureauError): CreditInput {
  return {
    status: "unavailable",
    reasonCode: error.transient ? "bureau_unavailable" : "bureau_error",
    detail: `${error.kind}: ${error.message}`,
  };
}

export async function decide(
  database: Database,
  applicationId: string,
  options: DecideOptions = {},
): Promise<DecideOutcome> {
  const now = options.now ?? (() => new Date());
  const application = await database.db.query.applications.findFirst({
    where: eq(applications.id, applicationId),
  });
  if (!application)
    throw new DecisionPreconditionError(`Application ${applicationId} does not exist`);
  const existing = await existingOutcome(database, applicationId);
  if (existing) return existing;
  if (!decidableStatuses.has(application.status)) {
    throw new DecisionPreconditionError(
      `Application ${applicationId} is ${application.status}; it cannot be decided`,
    );
  }
  const [customer, merchant, consent, ruleSet, pricing] = await Promise.all([
    database.db.query.customers.findFirst({ where: eq(customers.id, application.customerId) }),
    database.db.query.merchants.findFirst({ where: eq(merchants.id, application.merchantId) }),
    database.db.query.consents.findFirst({
      where: and(eq(consents.applicationId, applicationId), eq(consents.kind, "credit_pull")),
    }),
    getPublishedRuleSet(database),
    getPublishedPricing(database),
  ]);
  if (!customer || !merchant)
    throw new DecisionPreconditionError(`Application ${applicationId} has no customer or merchant`);
  // docs/product/lending.md: the borrower authorises the soft inquiry before any bureau call.
  if (!consent)
    throw new DecisionPreconditionError(
      `Application ${applicationId} has no credit-pull authorization`,
    );
  if (!customer.ssnEnc)
    throw new DecisionPreconditionError(
      `Application ${applicationId}: the customer has no SSN on file`,
    );
  if (!ruleSet || !pricing) {
    throw new DecisionPreconditionError(
      "No published rule set or pricing (ensureDecisioningDefaults runs at boot)",
    );
  }

  const pull = customerPullRequest(
    application.id,
    { ...customer, ssnEnc: customer.ssnEnc },
    options.cipher ?? getCipher(),
  );

  let credit: CreditInput;
  // A converted prequalification's soft pull, when the rules allow its reuse (ADR 066).
  const reused = await reusableSoftPull(database, application, pull, now());
  try {
    credit = reused
      ? { status: "ok", report: reused.report }
      : { status: "ok", report: await (options.bureau ?? getCreditBureau()).pullSoft(pull) };
  } catch (error) {
    if (!(error instanceof BureauError)) throw error;
    logger.warn(
      { applicationId, kind: error.kind, attempts: error.details.attempts },
      "credit bureau failed; sending to manual review",
    );
    credit = creditUnavailable(error);
  }

  const bank = bankSummarySchema.safeParse(application.bankSummary);
  const rawInputs: DecisionInputs = {
    application: {
      id: application.id,
      amountCents: application.amountCents,
      monthlyIncomeCents: application.monthlyIncomeCents,
      housingCostCents: application.housingCostCents,
    },
    merchant: merchantInputs(merchant),
    credit,
    bank: bank.success ? bank.data : null,
    kyc: kycFromStatus(application.kycStatus),
  };
  // Evaluate exactly what is stored: the JSON form (replay starts from it too).
  const inputs = JSON.parse(JSON.stringify(rawInputs)) as DecisionInputs;
  const result = evaluate(inputs, ruleSet, pricing);
  const snapshot = {
    ...buildSnapshot(inputs, ruleSet, pricing, result),
    // The snapshot says where its report came from when no new pull was made.
    ...(reused
      ? {
          creditPull: {
            source: "prequalification",
            prequalificationId: reused.prequalificationId,
            pulledAt: reused.pulledAt,
          },
        }
      : {}),
  };
  const decidedAt = now();

  return database
    .write(async (tx) => {
      const raced = await tx.query.decisions.findFirst({
        where: and(eq(decisions.applicationId, applicationId), isNull(decisions.decidedBy)),
      });
      if (raced) return null;
      const decisionId = newId("dec");
      await tx.insert(decisions).values({
        id: decisionId,
        applicationId,
        status: result.status,
        score: result.score.total,
        tier: result.tier,
        ruleSetVersion: ruleSet.version,
        pricingVersion: pricing.version,
        engineVersion: snapshot.engineVersion,
        snapshot: snapshot as unknown as Record<string, unknown>,
        decidedAt,
      });
      const offerIds = result.offers.map(() => newId("off"));
      if (result.offers.length > 0) {
        await tx
          .insert(offersTable)
          .values(
            result.offers.map((offer, index) =>
              offerRow(offer, { id: offerIds[index]!, decisionId, applicationId }, decidedAt),
            ),
          );
      }
      let manualReviewId: string | null = null;
      if (result.manualReview) {
        manualReviewId = newId("mr");
        await tx.insert(manualReviews).values({
          id: manualReviewId,
          applicationId,
          decisionId,
          reason: result.manualReview.reason,
          priority: result.manualReview.priority,
          status: "pending",
        });
      }
      let adverseActionNoticeId: string | null = null;
      if (result.adverseAction) {
        adverseActionNoticeId = newId("aan");
        await tx.insert(adverseActionNotices).values({
          id: adverseActionNoticeId,
          applicationId,
          decisionId,
          reasons: result.adverseAction.reasons,
          creditScoreDisclosure: result.adverseAction.creditScoreDisclosure as unknown as Record<
            string,
            unknown
          > | null,
          createdAt: decidedAt,
        });
        // Its delivery (PDF, e-mail) commits with it: a crash after this commit cannot lose it.
        await enqueueNoticeDelivery(tx, applicationId);
      }
      await tx
        .update(applications)
        .set({ status: result.status, decidedAt })
        .where(eq(applications.id, applicationId));
      await audit(tx, {
        actorType: "system",
        actorId: "decisioning",
        action: "application.decided",
        entityType: "application",
        entityId: applicationId,
        details: {
          decisionId,
          status: result.status,
          ruleSetVersion: ruleSet.version,
          pricingVersion: pricing.version,
          engineVersion: snapshot.engineVersion,
          tier: result.tier,
          declineReasons: result.declineReasons,
          reviewReasons: result.reviewReasons,
          offers: offerIds.length,
        },
      });
      return {
        decisionId,
        applicationId,
        status: result.status,
        score: result.score.total,
        tier: result.tier,
        offerIds,
        manualReviewId,
        adverseActionNoticeId,
        alreadyDecided: false,
      } satisfies DecideOutcome;
    })
    .then(async (outcome) => {
      // Counted after the commit, once: a replayed request finds the decision already there.
      if (outcome) businessMetrics.decisions.inc({ outcome: outcome.status, mode: "automatic" });
      return outcome ?? (await existingOutcome(database, applicationId))!;
    });
}

import { and, eq, inArray } from "drizzle-orm";
import { customers, prequalifications } from "~/db/schema/index";
import { BureauError, type CreditBureau, type CreditPullRequest } from "~/adapters/experian/types";
import { audit, type clientInfo } from "~/app/audit/audit.server";
import { consentTexts, type ConsentKind } from "~/app/borrower/consent-texts";
import { ensureConsentTexts } from "~/app/borrower/consent-texts.server";
import { getSecrets } from "~/app/config/secrets.server";
import { creditPullRequest, getCreditBureau } from "~/app/decisioning/bureau.server";
import { ENGINE_VERSION } from "~/app/decisioning/engine";
import { kycFromStatus, merchantInputs, type CreditInput } from "~/app/decisioning/inputs";
import { getPublishedPricing } from "~/app/decisioning/pricing-rules.server";
import { getPublishedRuleSet } from "~/app/decisioning/rule-sets.server";
import { renderAdverseActionText } from "~/app/decisioning/adverse-action";
import { queueEmail } from "~/app/messaging/email.server";
import { logger } from "~/app/observability/logger.server";
import { getCipher } from "~/app/security/encryption.server";
import { hmacSha256Hex } from "~/app/security/hash.server";
import { emitMerchantEvent } from "~/app/webhooks/emit.server";
import { prequalify, validUntil, type PrequalificationInputs } from "./evaluate";
import type { PrequalJourney } from "./prequalifications.server";
import { prequalNoticeView } from "./result.server";

type Client = ReturnType<typeof clientInfo>;

/**
 * Who a soft pull was made for, as a keyed hash (never the SSN itself): a later application may
 * reuse the pull only for the very same name, SSN and date of birth (ADR 066).
 */
export function pullSubjectHash(
  pull: Pick<CreditPullRequest, "firstName" | "lastName" | "ssn" | "dateOfBirth">,
) {
  const subject = [pull.firstName, pull.lastName, pull.ssn, pull.dateOfBirth ?? ""]
    .map((part) => part.trim().toLowerCase())
    .join("|");
  return hmacSha256Hex(getSecrets().sessionSecret, `soft-pull-subject:${subject}`);
}

export type PrequalAnswers = {
  dateOfBirth: string;
  ssn?: string;
  monthlyIncome: number;
  housingCost: number;
  sms: boolean;
};

/**
 * The borrower's one form: the identity data prefilled from the CRM is confirmed (not typed),
 * the date of birth, SSN, income and housing are given, the consents accepted (the soft-inquiry
 * authorization, E-SIGN — the result and any notice are electronic disclosures — privacy, and
 * the optional texts). Then, at once: the soft pull, the evaluation and its result, stored with
 * the evidence. A bureau failure stores nothing but the answers and says "try again".
 */
export async function submitPrequalification(
  journey: PrequalJourney,
  answers: PrequalAnswers,
  client: Client,
  options: { bureau?: CreditBureau; now?: () => Date } = {},
): Promise<"prequalified" | "not_prequalified" | "unavailable" | "already_decided"> {
  const { database, prequal } = journey;
  if (prequal.status === "prequalified" || prequal.status === "not_prequalified") {
    return "already_decided";
  }
  const now = options.now ?? (() => new Date());
  const cipher = getCipher();
  const kinds: ConsentKind[] = [
    "credit_pull",
    "esign",
    "privacy",
    ...(answers.sms ? ["sms" as const] : []),
  ];
  const acceptedAt = now().getTime();
  await database.write(async (tx) => {
    const hashes = await ensureConsentTexts(tx, kinds);
    await tx
      .update(customers)
      .set({
        dateOfBirthEnc: cipher.encrypt(answers.dateOfBirth, "customers.date_of_birth"),
        ...(answers.ssn
          ? {
              ssnEnc: cipher.encrypt(answers.ssn, "customers.ssn"),
              ssnLast4: answers.ssn.slice(-4),
            }
          : {}),
      })
      .where(eq(customers.id, journey.customer.id));
    await tx
      .update(prequalifications)
      .set({
        status: "in_progress",
        monthlyIncomeCents: answers.monthlyIncome,
        housingCostCents: answers.housingCost,
        consents: kinds.map((kind) => ({
          kind,
          textVersion: consentTexts[kind].version,
          textSha256: hashes[kind],
          acceptedAt,
          ip: client.ip,
          userAgent: client.userAgent,
        })),
      })
      .where(
        and(
          eq(prequalifications.id, prequal.id),
          inArray(prequalifications.status, ["link_sent", "in_progress"]),
        ),
      );
    await audit(tx, {
      actorType: "borrower",
      actorId: journey.customer.id,
      action: "prequalification.answers",
      entityType: "prequalification",
      entityId: prequal.id,
      ip: client.ip,
      userAgent: client.userAgent,
      details: { kinds, sms_consent: answers.sms, ssn_changed: Boolean(answers.ssn) },
    });
  });

  const customer = await database.db.query.customers.findFirst({
    where: eq(customers.id, journey.customer.id),
  });
  if (!customer?.ssnEnc) return "unavailable";
  const [ruleSet, pricing] = await Promise.all([
    getPublishedRuleSet(database),
    getPublishedPricing(database),
  ]);
  if (!ruleSet || !pricing) return "unavailable";

  // docs/product/lending.md: the soft-inquiry authorization is stored before the bureau call.
  const pull = creditPullRequest(
    prequal.id,
    customer,
    cipher.decrypt(customer.ssnEnc, "customers.ssn"),
    answers.dateOfBirth,
  );
  let credit: CreditInput;
  try {
    credit = { status: "ok", report: await (options.bureau ?? getCreditBureau()).pullSoft(pull) };
  } catch (error) {
    if (!(error instanceof BureauError)) throw error;
    logger.warn(
      { prequalificationId: prequal.id, kind: error.kind },
      "prequalification: bureau failed",
    );
    return "unavailable";
  }
  const { merchant } = journey;
  const rawInputs: PrequalificationInputs = {
    application: {
      id: prequal.id,
      monthlyIncomeCents: answers.monthlyIncome,
      housingCostCents: answers.housingCost,
    },
    merchant: merchantInputs(merchant),
    credit,
    // Bank and identity come in the application; a prequalification does not ask for them.
    bank: null,
    kyc: kycFromStatus(null),
  };
  // Evaluate exactly what is stored (the JSON form), as a decision does.
  const inputs = JSON.parse(JSON.stringify(rawInputs)) as PrequalificationInputs;
  const outcome = prequalify(inputs, ruleSet, pricing);
  if (outcome.kind === "unavailable") return "unavailable";
  const decidedAt = now();
  const pulledAt = decidedAt;
  await database.write(async (tx) => {
    await tx
      .update(prequalifications)
      .set({
        status: outcome.kind,
        pulledAt,
        pullSubjectSha256: pullSubjectHash(pull),
        decidedAt,
        maxAmountCents: outcome.kind === "prequalified" ? outcome.maxAmountCents : null,
        validUntil: outcome.kind === "prequalified" ? validUntil(pulledAt) : null,
        noticeReasons: outcome.kind === "not_prequalified" ? outcome.adverseAction.reasons : null,
        creditScoreDisclosure:
          outcome.kind === "not_prequalified"
            ? (outcome.adverseAction.creditScoreDisclosure as unknown as Record<
                string,
                unknown
              > | null)
            : null,
        snapshot: {
          snapshotVersion: 1,
          kind: "prequalification",
          engineVersion: ENGINE_VERSION,
          ruleSet: { id: ruleSet.id, version: ruleSet.version },
          pricing: { id: pricing.id, version: pricing.version },
          inputs,
          outcome,
        } as unknown as Record<string, unknown>,
      })
      .where(
        and(
          eq(prequalifications.id, prequal.id),
          inArray(prequalifications.status, ["link_sent", "in_progress"]),
        ),
      );
    // "Not prequalified": the notice is shown at once and sent, as any decline's (the e-mail
    // carries its full text; docs/product/lending.md, "Adverse action").
    if (outcome.kind === "not_prequalified" && customer.email) {
      const notice = prequalNoticeView({
        customer,
        merchant,
        decidedAt,
        reasons: outcome.adverseAction.reasons,
        creditScoreDisclosure: outcome.adverseAction.creditScoreDisclosure,
      });
      await queueEmail(tx, {
        to: customer.email,
        template: "adverse_action_notice",
        subject: `Your prequalification request with ${merchant.name}: notice of action taken`,
        text: [
          renderAdverseActionText(notice),
          "Keep this notice for your records.",
          "",
          "FlowPay",
        ].join("\n"),
        merchantId: merchant.id,
      });
    }
    // The merchant's webhook (docs/product/merchants-and-money.md): the status resource, no reasons.
    await emitMerchantEvent(tx, {
      merchantId: merchant.id,
      type: "prequalification.completed",
      applicationId: null,
      data: {
        prequalification: {
          prequalification_id: prequal.id,
          status: outcome.kind,
          max_amount_cents: outcome.kind === "prequalified" ? outcome.maxAmountCents : null,
          valid_until: outcome.kind === "prequalified" ? validUntil(pulledAt).toISOString() : null,
        },
      },
    });
    await audit(tx, {
      actorType: "system",
      actorId: "decisioning",
      action: "prequalification.decided",
      entityType: "prequalification",
      entityId: prequal.id,
      details: {
        status: outcome.kind,
        ruleSetVersion: ruleSet.version,
        pricingVersion: pricing.version,
        ...(outcome.kind === "prequalified"
          ? { tier: outcome.tier, max_amount_cents: outcome.maxAmountCents }
          : { reasons: outcome.adverseAction.reasons.map((reason) => reason.code) }),
      },
    });
  });
  return outcome.kind;
}

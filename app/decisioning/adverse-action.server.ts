import { desc, eq } from "drizzle-orm";
import type { Database, Tx } from "~/db/client";
import { newId } from "~/db/ids";
import { enqueue } from "~/jobs/enqueue.server";
import { deliverAdverseActionNoticeJob } from "~/jobs/handlers/deliver-adverse-action-notice.definition";
import {
  adverseActionNotices,
  applications,
  customers,
  decisions,
  merchants,
} from "~/db/schema/index";
import {
  adverseActionNoticeView,
  buildAdverseAction,
  renderAdverseActionText,
  type AdverseActionNoticeView,
  type CreditScoreDisclosure,
} from "./adverse-action";
import { creditorFor } from "~/app/lending/lenders.server";
import type { DecisionSnapshot } from "./engine";
import { reasonSpec } from "./reasons";

export type StoredAdverseActionNotice = {
  id: string;
  applicationId: string;
  decisionId: string;
  createdAt: Date;
  sentAt: Date | null;
  view: AdverseActionNoticeView;
  text: string;
};

/**
 * The latest adverse action notice of an application, ready to show the borrower (screen,
 * e-mail, SMS link page): the stored reasons and credit-score block, with the applicant's
 * name, the amount and the merchant. Null when the application was never declined.
 */
export async function loadAdverseActionNotice(
  database: Database,
  applicationId: string,
): Promise<StoredAdverseActionNotice | null> {
  const notice = await database.db.query.adverseActionNotices.findFirst({
    where: eq(adverseActionNotices.applicationId, applicationId),
    orderBy: desc(adverseActionNotices.createdAt),
  });
  if (!notice) return null;
  const application = await database.db.query.applications.findFirst({
    where: eq(applications.id, applicationId),
  });
  if (!application) return null;
  const [customer, merchant] = await Promise.all([
    database.db.query.customers.findFirst({ where: eq(customers.id, application.customerId) }),
    database.db.query.merchants.findFirst({ where: eq(merchants.id, application.merchantId) }),
  ]);
  const view = adverseActionNoticeView({
    applicantName: customer ? `${customer.firstName} ${customer.lastName}` : "Applicant",
    amountCents: application.amountCents,
    merchantName: merchant?.name ?? "the merchant",
    decidedOn: notice.createdAt.toISOString().slice(0, 10),
    reasons: notice.reasons,
    creditScoreDisclosure: notice.creditScoreDisclosure as CreditScoreDisclosure | null,
    // The creditor is the merchant's lender partner (ADR 033): its configured identity.
    creditor: creditorFor(merchant?.lender ?? "mock"),
  });
  return {
    id: notice.id,
    applicationId,
    decisionId: notice.decisionId,
    createdAt: notice.createdAt,
    sentAt: notice.sentAt,
    view,
    text: renderAdverseActionText(view),
  };
}

export class AdverseActionReasonError extends Error {
  override name = "AdverseActionReasonError";
}

/**
 * Queues the delivery of the application's adverse action notice (the PDF, `sent_at`, the
 * e-mail: `deliver-adverse-action-notice`, app/borrower/notice-delivery.server.ts) inside the
 * caller's write transaction — the one that stores the notice — so the delivery exists exactly
 * when the decline commits and survives a crash right after it (ADR 016). Keyed by application,
 * dedupe: one pending delivery per application (it sends the latest notice, once).
 */
export function enqueueNoticeDelivery(tx: Tx, applicationId: string) {
  return enqueue(
    tx,
    deliverAdverseActionNoticeJob,
    { applicationId },
    { key: applicationId, keyMode: "dedupe" },
  );
}

/**
 * For an application that ends declined after manual review (docs/product/lending.md: it gets the notice
 * too): inside the caller's write transaction, stores the notice for the decision under
 * review, with the underwriter's reasons (decline reason codes, most important first) and
 * the credit-score block from that decision's credit report, and queues its delivery
 * (enqueueNoticeDelivery) in the same transaction.
 */
export async function insertReviewDeclineNotice(
  tx: Tx,
  args: { decisionId: string; reasonCodes: readonly string[]; now?: Date },
): Promise<string> {
  const unusable = args.reasonCodes.filter((code) => !reasonSpec(code)?.consumer);
  if (args.reasonCodes.length === 0 || unusable.length > 0) {
    throw new AdverseActionReasonError(
      `A decline needs specific reasons with consumer wording${unusable.length ? `; not: ${unusable.join(", ")}` : ""}`,
    );
  }
  const decision = await tx.query.decisions.findFirst({ where: eq(decisions.id, args.decisionId) });
  if (!decision) throw new AdverseActionReasonError(`Decision ${args.decisionId} does not exist`);
  const snapshot = decision.snapshot as unknown as DecisionSnapshot;
  const action = buildAdverseAction(args.reasonCodes, snapshot.inputs.credit);
  const id = newId("aan");
  await tx.insert(adverseActionNotices).values({
    id,
    applicationId: decision.applicationId,
    decisionId: decision.id,
    reasons: action.reasons,
    creditScoreDisclosure: action.creditScoreDisclosure as unknown as Record<
      string,
      unknown
    > | null,
    createdAt: args.now ?? new Date(),
  });
  await enqueueNoticeDelivery(tx, decision.applicationId);
  return id;
}

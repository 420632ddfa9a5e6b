import { and, eq } from "drizzle-orm";
import type { Database } from "~/db/client";
import { newId } from "~/db/ids";
import { applications, consents, creditRepulls, customers, manualReviews } from "~/db/schema/index";
import { BureauError, type CreditBureau } from "~/adapters/experian/types";
import { audit } from "~/app/audit/audit.server";
import { logger } from "~/app/observability/logger.server";
import { getCipher, type FieldCipher } from "~/app/security/encryption.server";
import { customerPullRequest, getCreditBureau } from "./bureau.server";
import { creditUnavailable } from "./decide.server";

/**
 * An underwriter's soft re-pull during a manual review (issue 18, ADR 074): the same soft inquiry
 * a decision makes (the borrower's credit-pull authorization covers soft inquiries for this
 * application), through the bureau adapter, outside any transaction; then the report and an
 * audit record commit together. No decision is written: the report is evidence shown beside the
 * reviewed decision's, and the review is still resolved on that decision.
 */
export class RepullError extends Error {
  override name = "RepullError";
}

export type RepullOutcome = { id: string; status: "ok" | "unavailable" };

export async function repullCredit(
  database: Database,
  args: {
    manualReviewId: string;
    operatorId: string;
    client: { ip: string | null; userAgent: string | null };
    bureau?: CreditBureau;
    cipher?: FieldCipher;
    now?: () => Date;
  },
): Promise<RepullOutcome> {
  const now = args.now ?? (() => new Date());
  const review = await database.db.query.manualReviews.findFirst({
    where: eq(manualReviews.id, args.manualReviewId),
  });
  if (!review) throw new RepullError("The review does not exist.");
  if (review.status === "resolved") throw new RepullError("This review is already resolved.");
  const application = await database.db.query.applications.findFirst({
    where: eq(applications.id, review.applicationId),
  });
  if (!application) throw new RepullError("The review's application does not exist.");
  const [customer, consent] = await Promise.all([
    database.db.query.customers.findFirst({ where: eq(customers.id, application.customerId) }),
    database.db.query.consents.findFirst({
      where: and(eq(consents.applicationId, application.id), eq(consents.kind, "credit_pull")),
    }),
  ]);
  // docs/product/lending.md: the borrower authorises the soft inquiry before any bureau call.
  if (!consent) throw new RepullError("The borrower has not authorised a credit pull.");
  if (!customer?.ssnEnc) throw new RepullError("The customer has no SSN on file.");

  const pull = customerPullRequest(
    application.id,
    { ...customer, ssnEnc: customer.ssnEnc },
    args.cipher ?? getCipher(),
  );
  let report: Record<string, unknown> | null = null;
  let detail: string | null = null;
  try {
    report = (await (args.bureau ?? getCreditBureau()).pullSoft(pull)) as unknown as Record<
      string,
      unknown
    >;
  } catch (error) {
    if (!(error instanceof BureauError)) throw error;
    logger.warn({ applicationId: application.id, kind: error.kind }, "credit re-pull failed");
    const unavailable = creditUnavailable(error);
    detail = unavailable.status === "unavailable" ? unavailable.detail : null;
  }
  const id = newId("crp");
  const status = report ? "ok" : "unavailable";
  await database.write(async (tx) => {
    await tx.insert(creditRepulls).values({
      id,
      applicationId: application.id,
      manualReviewId: review.id,
      requestedBy: args.operatorId,
      status,
      report,
      detail,
      pulledAt: now(),
    });
    await audit(tx, {
      actorType: "operator",
      actorId: args.operatorId,
      action: "review.credit_repulled",
      entityType: "application",
      entityId: application.id,
      ip: args.client.ip,
      userAgent: args.client.userAgent,
      details: { manualReviewId: review.id, repullId: id, status },
    });
  });
  return { id, status };
}

import { and, eq } from "drizzle-orm";
import type { Database } from "~/db/client";
import { newId } from "~/db/ids";
import type { Step } from "~/db/native-writer.mjs";
import { customers, prequalifications } from "~/db/schema/index";
import type { CreditPullRequest, CreditReport } from "~/adapters/experian/types";
import { apiError } from "~/app/api/errors.server";
import { ApiFailure } from "~/app/api/body.server";
import { prequalificationStatus } from "./evaluate";
import { pullSubjectHash } from "./flow.server";
import type { PrequalificationRow } from "./prequalifications.server";

/**
 * From prequalification to application (docs/product/merchants-and-money.md; ADR 066).
 *
 * offer-financing with `prequalification_id` reads the prequalification first
 * (`convertiblePrequalification`) and adds `conversionSteps` to its write program: the new
 * application carries the income and housing the borrower gave, the consents they accepted
 * (copied verbatim: same text version, hash, time, IP and agent), and starts past the details
 * and consents — nothing is asked twice. The decision may reuse the soft pull
 * (`reusableSoftPull`).
 */
export async function convertiblePrequalification(
  database: Database,
  merchantId: string,
  prequalificationId: string,
  crmCustomerId: string,
  now = new Date(),
): Promise<PrequalificationRow> {
  const row = await database.db
    .select({ prequal: prequalifications, crmCustomerId: customers.crmCustomerId })
    .from(prequalifications)
    .innerJoin(customers, eq(customers.id, prequalifications.customerId))
    .where(
      and(
        eq(prequalifications.id, prequalificationId),
        eq(prequalifications.merchantId, merchantId),
      ),
    )
    .get();
  const invalid = (message: string) =>
    new ApiFailure(
      apiError("validation_failed", `prequalification_id: ${message}`, {
        details: [{ path: "prequalification_id", message }],
      }),
    );
  if (!row) throw invalid(`No prequalification ${prequalificationId}`);
  if (row.crmCustomerId !== crmCustomerId) {
    throw invalid("This prequalification belongs to another customer");
  }
  const status = prequalificationStatus(row.prequal, now);
  if (status !== "prequalified") {
    throw invalid(`The prequalification is ${status}; only a prequalified one can be used`);
  }
  return row.prequal;
}

const insertConsent = `INSERT INTO consents
  (id, application_id, kind, text_version, text_sha256, accepted_at, ip, user_agent)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?)`;

/** The write-program steps that make a new application the prequalification's continuation. */
export function conversionSteps(
  prequal: PrequalificationRow,
  applicationId: string,
  now: number,
): Step[] {
  return [
    {
      // Details and consents are done: the borrower starts at the bank link (journey.ts).
      sql: `UPDATE applications SET prequalification_id = ?, monthly_income_cents = ?,
        housing_cost_cents = ?, step = 'consents', updated_at = ? WHERE id = ?`,
      args: [prequal.id, prequal.monthlyIncomeCents, prequal.housingCostCents, now, applicationId],
    },
    ...(prequal.consents ?? []).map((consent): Step => ({
      sql: insertConsent,
      args: [
        newId("con", now),
        applicationId,
        consent.kind,
        consent.textVersion,
        consent.textSha256,
        consent.acceptedAt,
        consent.ip,
        consent.userAgent,
      ],
    })),
    {
      sql: `UPDATE prequalifications SET converted_application_id = ?, updated_at = ? WHERE id = ?`,
      args: [applicationId, now, prequal.id],
    },
  ];
}

export type ReusedPull = {
  report: CreditReport;
  prequalificationId: string;
  pulledAt: string;
};

/**
 * The prequalification's soft pull, when the rules allow its reuse for this decision: the
 * prequalification is still valid (its 30 days), it was made for this customer, and for the very
 * same name, SSN and date of birth the decision would send the bureau now. Otherwise null: pull
 * again.
 */
export async function reusableSoftPull(
  database: Database,
  application: { prequalificationId: string | null; customerId: string },
  pull: CreditPullRequest,
  now: Date,
): Promise<ReusedPull | null> {
  if (!application.prequalificationId) return null;
  const prequal = await database.db.query.prequalifications.findFirst({
    where: eq(prequalifications.id, application.prequalificationId),
  });
  if (
    !prequal ||
    prequal.customerId !== application.customerId ||
    prequalificationStatus(prequal, now) !== "prequalified" ||
    !prequal.pulledAt ||
    prequal.pullSubjectSha256 !== pullSubjectHash(pull)
  ) {
    return null;
  }
  const snapshot = prequal.snapshot as {
    inputs?: { credit?: { status: string; report?: CreditReport } };
  } | null;
  const credit = snapshot?.inputs?.credit;
  if (credit?.status !== "ok" || !credit.report) return null;
  return {
    report: credit.report,
    prequalificationId: prequal.id,
    pulledAt: prequal.pulledAt.toISOString(),
  };
}

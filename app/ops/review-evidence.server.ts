import { desc, eq, inArray, or } from "drizzle-orm";
import type { Database } from "~/db/client";
import {
  applications,
  creditRepulls,
  customers,
  merchants,
  operators,
  type ConditionKind,
} from "~/db/schema/index";
import type { CreditReport } from "~/adapters/experian/types";
import { listConditions } from "~/app/lending/conditions.server";
import { conditionKindLabels } from "~/app/lending/conditions";
import { maskEmail, maskPhone } from "~/app/merchant/timeline";
import { maskSsn } from "./applications";
import { repullView, reviewEvidence, type RepullView } from "./review-evidence";
import type { LoadedReview } from "./reviews.server";

/**
 * The review workspace's evidence, the loader part (ADR 074): the reviewed decision's snapshot
 * through review-evidence.ts, the latest soft re-pull, the borrower's uploaded documents (funding
 * conditions) and the same person's other applications. Nothing here decrypts PII: identity is
 * shown masked, and the other applications are found through the indexed contact columns.
 */

export type UploadedDocument = {
  id: string;
  fileName: string;
  contentType: string;
  size: string;
  uploadedAt: string;
  condition: string;
  conditionStatus: string;
};

export type PreviousApplication = {
  id: string;
  createdAt: string;
  merchantName: string;
  amountCents: number;
  status: string;
  /** Which stored key matched: "phone", "e-mail", or both. */
  matchedOn: string;
  contact: string;
};

export const previousApplicationsLimit = 20;

const kib = (bytes: number) =>
  bytes < 1024 * 1024
    ? `${Math.max(1, Math.round(bytes / 1024))} KB`
    : `${(bytes / 1048576).toFixed(1)} MB`;

async function uploadedDocuments(database: Database, applicationId: string) {
  const conditions = await listConditions(database.db, applicationId);
  return conditions.flatMap((condition) =>
    condition.uploads.map((upload): UploadedDocument => ({
      id: upload.id,
      fileName: upload.fileName,
      contentType: upload.contentType,
      size: kib(upload.sizeBytes),
      uploadedAt: upload.createdAt.toISOString(),
      condition:
        condition.kind === "other"
          ? condition.description
          : (conditionKindLabels[condition.kind as ConditionKind]?.ops ?? condition.description),
      conditionStatus: condition.status,
    })),
  );
}

/**
 * The same person's other applications — at any merchant (a customer row is per merchant). The
 * keys are the ones the app already keeps indexed and in the clear: the phone and the e-mail
 * (customers_phone_idx, customers_email_idx); the SSN is encrypted and has no blind index, so a
 * row whose last four SSN digits differ is left out rather than decrypting anyone's SSN (two
 * people sharing a household phone are two people).
 */
export async function previousApplications(
  database: Database,
  loaded: Pick<LoadedReview, "application" | "customer">,
): Promise<PreviousApplication[]> {
  const { customer } = loaded;
  const keys = [eq(customers.phone, customer.phone)];
  if (customer.email) keys.push(eq(customers.email, customer.email));
  const people = await database.db
    .select({
      id: customers.id,
      phone: customers.phone,
      email: customers.email,
      ssnLast4: customers.ssnLast4,
    })
    .from(customers)
    .where(or(...keys))
    .limit(200)
    .all();
  const same = people.filter(
    (p) => !(p.ssnLast4 && customer.ssnLast4 && p.ssnLast4 !== customer.ssnLast4),
  );
  if (same.length === 0) return [];
  const byId = new Map(same.map((p) => [p.id, p]));
  const rows = await database.db
    .select({
      id: applications.id,
      customerId: applications.customerId,
      createdAt: applications.createdAt,
      amountCents: applications.amountCents,
      status: applications.status,
      merchantName: merchants.name,
    })
    .from(applications)
    .innerJoin(merchants, eq(merchants.id, applications.merchantId))
    .where(inArray(applications.customerId, [...byId.keys()]))
    .all();
  return rows
    .filter((row) => row.id !== loaded.application.id)
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1))
    .slice(0, previousApplicationsLimit)
    .map((row) => {
      const person = byId.get(row.customerId)!;
      const matched = [
        person.phone === customer.phone ? "phone" : "",
        customer.email && person.email === customer.email ? "e-mail" : "",
      ].filter(Boolean);
      return {
        id: row.id,
        createdAt: row.createdAt.toISOString(),
        merchantName: row.merchantName,
        amountCents: row.amountCents,
        status: row.status,
        matchedOn: matched.join(" and "),
        contact: `${maskPhone(person.phone)} · ${maskEmail(person.email)}`,
      };
    });
}

/** The review's latest soft re-pull (ADR 074), through the reviewed decision's inputs. */
async function latestRepull(database: Database, loaded: LoadedReview): Promise<RepullView | null> {
  const inputs = loaded.snapshot?.inputs;
  if (!inputs) return null;
  const row = await database.db
    .select({ repull: creditRepulls, requestedByName: operators.name })
    .from(creditRepulls)
    .leftJoin(operators, eq(operators.id, creditRepulls.requestedBy))
    .where(eq(creditRepulls.manualReviewId, loaded.review.id))
    .orderBy(desc(creditRepulls.pulledAt), desc(creditRepulls.id))
    .limit(1)
    .get();
  if (!row) return null;
  return repullView(inputs, {
    id: row.repull.id,
    pulledAt: row.repull.pulledAt,
    requestedByName: row.requestedByName,
    status: row.repull.status,
    report: row.repull.report as unknown as CreditReport | null,
    detail: row.repull.detail,
  });
}

/**
 * Everything the workspace shows beside the resolution forms. `creditEvidence` false (a role
 * without read:credit_evidence) leaves the bureau, bank, income/DTI and rules blocks and the
 * re-pull out entirely — not hidden in the page, never sent; identity (masked), documents and
 * other applications stay.
 */
export async function loadReviewEvidence(
  database: Database,
  loaded: LoadedReview,
  options: { creditEvidence: boolean },
) {
  const [documents, previous, repull] = await Promise.all([
    uploadedDocuments(database, loaded.application.id),
    previousApplications(database, loaded),
    options.creditEvidence ? latestRepull(database, loaded) : Promise.resolve(null),
  ]);
  const evidence = reviewEvidence(loaded.snapshot, {
    bankLinkStatus: loaded.application.bankLinkStatus,
    ssnMasked: maskSsn(loaded.customer.ssnLast4),
    dateOfBirthOnFile: Boolean(loaded.customer.dateOfBirthEnc),
    inquiryOnFile: Boolean(loaded.application.kycInquiryId),
  });
  return {
    evidence: evidence
      ? {
          ...evidence,
          bureau: options.creditEvidence ? evidence.bureau : null,
          bank: options.creditEvidence ? evidence.bank : null,
          // Income against debt and the rules' inputs are decision internals: credit evidence too.
          income: options.creditEvidence ? evidence.income : null,
          rules: options.creditEvidence ? evidence.rules : null,
        }
      : null,
    repull,
    documents,
    previous,
  };
}

export type LoadedEvidence = Awaited<ReturnType<typeof loadReviewEvidence>>;

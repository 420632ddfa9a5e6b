import { and, eq } from "drizzle-orm";
import { newId } from "~/db/ids";
import { applications, consents, customers } from "~/db/schema/index";
import { enqueue } from "~/jobs/enqueue.server";
import { decideApplicationJob } from "~/jobs/handlers/decide-application.definition";
import { audit, type clientInfo } from "~/app/audit/audit.server";
import { getCipher } from "~/app/security/encryption.server";
import type { Journey } from "./context.server";
import { consentTexts, type ConsentKind } from "./consent-texts";
import { ensureConsentTexts } from "./consent-texts.server";
import { advance, currentPage, type FormStep, type Page } from "./journey";

type Client = ReturnType<typeof clientInfo>;

function borrowerAudit(
  journey: Journey,
  client: Client,
  action: string,
  details?: Record<string, unknown>,
) {
  return {
    actorType: "borrower" as const,
    actorId: journey.customer.id,
    action,
    entityType: "application",
    entityId: journey.application.id,
    ip: client.ip,
    userAgent: client.userAgent,
    details,
  };
}

/** The borrower pressed "Start": link_sent → in_progress (once). */
export async function startApplication(journey: Journey, client: Client) {
  await journey.database.write(async (tx) => {
    const updated = await tx
      .update(applications)
      .set({ status: "in_progress" })
      .where(and(eq(applications.id, journey.application.id), eq(applications.status, "link_sent")))
      .returning({ id: applications.id });
    if (updated.length > 0) await audit(tx, borrowerAudit(journey, client, "application.start"));
  });
}

/** Marks a form step done (inside the caller's tx), guarding the state so a stale tab can't move it. */
async function completeStep(
  tx: Parameters<Parameters<Journey["database"]["write"]>[0]>[0],
  journey: Journey,
  step: FormStep,
  extra: Partial<typeof applications.$inferInsert> = {},
) {
  const updated = await tx
    .update(applications)
    .set({ ...extra, step: advance(journey.state.completedStep, step) })
    .where(and(eq(applications.id, journey.application.id), eq(applications.status, "in_progress")))
    .returning({ id: applications.id });
  if (updated.length === 0) throw new Response("Conflict", { status: 409 });
}

type DetailsInput = {
  dateOfBirth: string;
  ssn?: string;
  monthlyIncome: number;
  housingCost: number;
};
type WriteTx = Parameters<Parameters<Journey["database"]["write"]>[0]>[0];

/** Date of birth and SSN are encrypted (only the SSN's last four stay readable); income and housing in cents. */
async function writeDetails(tx: WriteTx, journey: Journey, input: DetailsInput, client: Client) {
  const cipher = getCipher();
  const customerUpdate: Partial<typeof customers.$inferInsert> = {
    dateOfBirthEnc: cipher.encrypt(input.dateOfBirth, "customers.date_of_birth"),
  };
  if (input.ssn) {
    customerUpdate.ssnEnc = cipher.encrypt(input.ssn, "customers.ssn");
    customerUpdate.ssnLast4 = input.ssn.slice(-4);
  }
  await tx.update(customers).set(customerUpdate).where(eq(customers.id, journey.customer.id));
  await completeStep(tx, journey, "details", {
    monthlyIncomeCents: input.monthlyIncome,
    housingCostCents: input.housingCost,
  });
  await audit(
    tx,
    borrowerAudit(journey, client, "application.details", { ssn_changed: Boolean(input.ssn) }),
  );
}

export async function saveDetails(journey: Journey, input: DetailsInput, client: Client) {
  await journey.database.write((tx) => writeDetails(tx, journey, input, client));
}

/**
 * Each consent is stored with its text version, the text's SHA-256 (pointing at the verbatim
 * text in consent_texts), time, IP and user agent. `sms` is the borrower's own, optional
 * permission to be texted (TCPA; not a condition of credit): a row when given, and the answer
 * either way in the audit record.
 */
async function writeConsents(
  tx: WriteTx,
  journey: Journey,
  client: Client,
  options: { sms: boolean },
) {
  const kinds: ConsentKind[] = [
    "credit_pull",
    "esign",
    "privacy",
    ...(options.sms ? ["sms" as const] : []),
  ];
  const now = new Date();
  const hashes = await ensureConsentTexts(tx, kinds);
  for (const kind of kinds) {
    await tx.insert(consents).values({
      id: newId("con"),
      applicationId: journey.application.id,
      kind: kind as "credit_pull" | "esign" | "privacy" | "sms",
      textVersion: consentTexts[kind].version,
      textSha256: hashes[kind],
      acceptedAt: now,
      ip: client.ip,
      userAgent: client.userAgent,
    });
  }
  await completeStep(tx, journey, "consents");
  await audit(
    tx,
    borrowerAudit(journey, client, "application.consents", { kinds, sms_consent: options.sms }),
  );
}

export async function saveConsents(journey: Journey, client: Client, options: { sms: boolean }) {
  await journey.database.write((tx) => writeConsents(tx, journey, client, options));
}

/**
 * The details page with its consents (issue 17: consents on the page where they apply — the
 * credit check's data and its authorization): both in one transaction.
 */
export async function saveDetailsAndConsents(
  journey: Journey,
  input: DetailsInput,
  client: Client,
  options: { sms: boolean },
) {
  await journey.database.write(async (tx) => {
    await writeDetails(tx, journey, input, client);
    await writeConsents(tx, journey, client, options);
  });
}

/** Whether the borrower already accepted the consents (this application, or its prequalification's copy). */
export function consentsGiven(journey: Journey) {
  return journey.state.completedStep !== null && journey.state.completedStep !== "details";
}

export async function saveBankLink(
  journey: Journey,
  input:
    | { kind: "linked"; itemId: string; accessToken: string; summary: Record<string, unknown> }
    | { kind: "skipped" },
  client: Client,
) {
  const values: Partial<typeof applications.$inferInsert> =
    input.kind === "linked"
      ? {
          bankLinkStatus: "linked",
          plaidItemId: input.itemId,
          plaidAccessTokenEnc: getCipher().encrypt(
            input.accessToken,
            "applications.plaid_access_token",
          ),
          bankSummary: input.summary,
        }
      : {
          bankLinkStatus: "skipped",
          bankSummary: null,
          plaidItemId: null,
          plaidAccessTokenEnc: null,
        };
  await journey.database.write(async (tx) => {
    await completeStep(tx, journey, "bank", values);
    await audit(tx, borrowerAudit(journey, client, `application.bank_${input.kind}`));
  });
}

export async function recordInquiry(journey: Journey, inquiryId: string) {
  await journey.database.write((tx) =>
    tx
      .update(applications)
      .set({ kycInquiryId: inquiryId, kycStatus: "created" })
      .where(eq(applications.id, journey.application.id)),
  );
}

export async function saveIdentity(journey: Journey, status: string, client: Client) {
  await journey.database.write(async (tx) => {
    await completeStep(tx, journey, "identity", { kycStatus: status });
    await audit(tx, borrowerAudit(journey, client, "application.identity", { kyc_status: status }));
  });
}

/**
 * Submit: in_progress → submitted, and the decision is enqueued in the same transaction. A second
 * submit (double click, back button, resubmitted form) finds the state moved on and does nothing.
 */
export async function submitApplication(journey: Journey, client: Client) {
  return journey.database.write(async (tx) => {
    const updated = await tx
      .update(applications)
      .set({ status: "submitted", step: "review", submittedAt: new Date() })
      .where(
        and(eq(applications.id, journey.application.id), eq(applications.status, "in_progress")),
      )
      .returning({ id: applications.id });
    if (updated.length === 0) return false;
    await enqueue(
      tx,
      decideApplicationJob,
      { applicationId: journey.application.id },
      { key: journey.application.id, keyMode: "dedupe" },
    );
    await audit(tx, borrowerAudit(journey, client, "application.submit"));
    return true;
  });
}

/**
 * The page to show after a submit: the server holds the answer while the decision is made
 * (≈20 ms once the job runner — nudged by the enqueue — claims it) so the borrower sees the
 * result directly, and only a decision slower than `maxMs` falls back to the self-refreshing
 * pending page (issue 17: no fixed wait). Reads only; polls the application's status.
 */
export async function pageAfterSubmit(
  journey: Journey,
  options: { maxMs?: number; pollMs?: number } = {},
): Promise<Page> {
  const deadline = Date.now() + (options.maxMs ?? 2000);
  for (;;) {
    const row = await journey.database.db
      .select({ status: applications.status, step: applications.step })
      .from(applications)
      .where(eq(applications.id, journey.application.id))
      .get();
    if (!row) return "pending";
    const page = currentPage({ status: row.status, completedStep: row.step as FormStep | null });
    if (page !== "pending" || Date.now() >= deadline) return page;
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 40));
  }
}

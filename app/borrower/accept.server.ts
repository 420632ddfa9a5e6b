import { and, eq, isNull } from "drizzle-orm";
import { newId } from "~/db/ids";
import { applications, consents, documents, offers } from "~/db/schema/index";
import { enqueue } from "~/jobs/enqueue.server";
import { createLoanJob } from "~/jobs/handlers/create-loan.definition";
import { audit, type clientInfo } from "~/app/audit/audit.server";
import { enqueueCrmSync } from "~/app/crm-sync/enqueue.server";
import { creditorOfApplication } from "~/app/lending/creditor-of.server";
import type { Disclosure } from "~/app/decisioning/disclosure";
import type { ScheduleRow } from "~/app/decisioning/money";
import { markCounterOfferAccepted } from "~/app/decisioning/counter-offer.server";
import { queueEmail } from "~/app/messaging/email.server";
import { sha256Hex } from "~/app/security/hash.server";
import { documentColumns, encodeDocument } from "~/app/storage/documents.server";
import { agreementText, buildAgreement, type AgreementDocument } from "./agreement";
import { renderAgreementPdf } from "./agreement-pdf.server";
import type { Journey } from "./context.server";
import { currentOffers } from "./offers.server";

/** The agreement for one of the application's current offers, dated `loanDate`. */
export async function agreementFor(journey: Journey, offerId: string, loanDate: Date) {
  const offer = (await currentOffers(journey.database, journey.application.id)).find(
    (o) => o.id === offerId,
  );
  if (!offer) return null;
  const row = await journey.database.db.select().from(offers).where(eq(offers.id, offerId)).get();
  const c = journey.customer;
  // The creditor is the lender that will make the loan: the merchant's, or the one FlowOps
  // rerouted the application to after a lender declined it (ADR 032/033).
  const creditor = await creditorOfApplication(
    journey.database,
    journey.application,
    journey.merchant,
  );
  const doc = buildAgreement({
    applicationId: journey.application.id,
    loanDate,
    borrower: {
      fullName: `${c.firstName} ${c.lastName}`,
      addressLines: [
        c.addressLine1,
        [c.city, c.state, c.postalCode].filter(Boolean).join(" "),
      ].filter((line): line is string => Boolean(line && line.trim())),
    },
    merchant: { name: journey.merchant.name },
    creditor: { name: creditor.legalName, address: creditor.address },
    offer: {
      termMonths: offer.termMonths,
      noteRate: offer.noteRate,
      apr: offer.apr,
      monthlyPaymentCents: offer.monthlyPaymentCents,
      lastPaymentCents: offer.lastPaymentCents,
      principalCents: offer.principalCents,
      originationFeeCents: offer.originationFeeCents,
      amountFinancedCents: row!.amountFinancedCents,
    },
    disclosure: offer.disclosure as Disclosure,
    schedule: row!.schedule as ScheduleRow[],
  });
  return { offer, doc, hash: sha256Hex(agreementText(doc)) };
}

export type AcceptResult = { kind: "accepted" } | { kind: "stale" } | { kind: "not_available" };

/**
 * E-signature: the signed PDF is rendered first (CPU, outside the transaction); then in one
 * transaction the document with its SHA-256, the e-signature consent (agreement version and
 * text hash, time, IP, user agent), the offer's selection, the status offer_accepted, the loan
 * creation job and the e-mail with the agreement. A second submit finds the state moved on.
 */
export async function acceptOffer(
  journey: Journey,
  input: { offerId: string; fullName: string; shownHash: string },
  client: ReturnType<typeof clientInfo>,
  now = new Date(),
): Promise<AcceptResult> {
  const agreement = await agreementFor(journey, input.offerId, now);
  if (!agreement) return { kind: "not_available" };
  // The borrower signs what they read: if the document changed since (e.g. the date rolled over), show it again.
  if (agreement.hash !== input.shownHash) return { kind: "stale" };
  const pdf = await renderAgreementPdf(agreement.doc, {
    fullName: input.fullName,
    signedAt: now,
    ip: client.ip,
    userAgent: client.userAgent,
  });
  const pdfSha256 = sha256Hex(pdf);
  const encoded = await encodeDocument(pdf);
  const documentId = newId("doc");
  const accepted = await journey.database.write(async (tx) => {
    const moved = await tx
      .update(applications)
      .set({ status: "offer_accepted", selectedOfferId: input.offerId })
      .where(and(eq(applications.id, journey.application.id), eq(applications.status, "approved")))
      .returning({ id: applications.id });
    if (moved.length === 0) return false;
    await tx
      .update(offers)
      .set({ selectedAt: now })
      .where(and(eq(offers.id, input.offerId), isNull(offers.selectedAt)));
    // Signing a counter-offer's plan is accepting the counter-offer (ADR 077).
    await markCounterOfferAccepted(tx, {
      applicationId: journey.application.id,
      offerId: input.offerId,
      now,
    });
    await tx.insert(documents).values({
      id: documentId,
      applicationId: journey.application.id,
      kind: "agreement",
      contentType: "application/pdf",
      sha256: pdfSha256,
      ...(await documentColumns(tx, encoded)),
      signedName: input.fullName,
      signedAt: now,
      ip: client.ip,
      userAgent: client.userAgent,
    });
    await tx.insert(consents).values({
      id: newId("con"),
      applicationId: journey.application.id,
      kind: "e_signature",
      textVersion: agreement.doc.version,
      textSha256: agreement.hash,
      acceptedAt: now,
      ip: client.ip,
      userAgent: client.userAgent,
    });
    await enqueue(
      tx,
      createLoanJob,
      { applicationId: journey.application.id },
      { key: journey.application.id, keyMode: "dedupe" },
    );
    await enqueueCrmSync(tx, journey.application.id, "signed");
    if (journey.customer.email) {
      await queueEmail(tx, {
        to: journey.customer.email,
        template: "agreement_signed",
        subject: `Your FlowPay loan agreement with ${journey.merchant.name}`,
        text: signedEmailText(agreement.doc, journey.merchant.name, pdfSha256),
        applicationId: journey.application.id,
        merchantId: journey.merchant.id,
        documentId,
      });
    }
    await audit(tx, {
      actorType: "borrower",
      actorId: journey.customer.id,
      action: "application.sign",
      entityType: "application",
      entityId: journey.application.id,
      ip: client.ip,
      userAgent: client.userAgent,
      details: { offer_id: input.offerId, document_id: documentId, sha256: pdfSha256 },
    });
    return true;
  });
  return accepted ? { kind: "accepted" } : { kind: "not_available" };
}

function signedEmailText(doc: AgreementDocument, merchantName: string, sha256: string) {
  const box = doc.federalBox.map((cell) => `${cell.label}: ${cell.value}`).join("\n");
  return [
    `Thank you for financing your job with ${merchantName} through FlowPay.`,
    "",
    "Your signed loan agreement is attached (PDF). The key terms:",
    box,
    "",
    `Document fingerprint (SHA-256): ${sha256}`,
    "",
    "We'll text you when the business has been paid. Reply STOP to texts to opt out; you can ask for a paper copy of any document at support@flowpay.example.",
  ].join("\n");
}

import { agreementFor } from "./accept.server";
import { renderNoticePdf } from "./agreement-pdf.server";
import type { Journey } from "./context.server";

/**
 * The agreement of an offer as a PDF before signing: every part of it — the federal box, the
 * payment schedule, the itemization, each section and the full schedule — as headed text,
 * marked unsigned. Null when the offer is not one the borrower may sign.
 */
export async function agreementPreviewPdf(journey: Journey, offerId: string, loanDate: Date) {
  const agreement = await agreementFor(journey, offerId, loanDate);
  if (!agreement) return null;
  const { doc } = agreement;
  return renderNoticePdf(
    {
      title: `${doc.title} (to read before signing — not signed)`,
      creditorName: doc.creditor.name,
      sections: [
        {
          heading: "Federal Truth in Lending disclosures",
          lines: [
            `Creditor: ${doc.creditor.name}, ${doc.creditor.address}. Loan date ${doc.loanDate}.`,
            ...doc.federalBox.map((cell) => `${cell.label}: ${cell.value} — ${cell.explanation}`),
          ],
        },
        {
          heading: "Your payment schedule",
          lines: doc.paymentSchedule.map(
            (row) => `${row.count} payment(s) of ${row.amount}, ${row.when}`,
          ),
        },
        {
          heading: "Itemization of the amount financed",
          lines: doc.itemization.map((item) => `${item.label}: ${item.value}`),
        },
        ...doc.sections.map((section) => ({
          heading: section.heading,
          lines: section.paragraphs,
        })),
        {
          heading: "Full payment schedule",
          lines: doc.scheduleTable.map(
            (row) =>
              `${row.number}. ${row.dueDate}: ${row.payment} (principal ${row.principal}, interest ${row.interest}, balance ${row.balance})`,
          ),
        },
      ],
    },
    loanDate,
    { subject: `Loan agreement to review, application ${doc.applicationId} (${doc.version})` },
  );
}

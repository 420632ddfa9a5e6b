import {
  newPdfDocument,
  pdfContentWidth,
  pdfGrey,
  savePdf,
} from "~/app/borrower/agreement-pdf.server";
import { formatMoney } from "~/app/money/dollars";
import { statementPdfRows, type MonthlyStatement } from "./payouts";

const kindLabels: Record<string, string> = {
  disbursement: "Funded",
  refund: "Refund",
  payout: "Payout",
  clawback: "Payment",
  lender_settlement: "Settlement",
};

/**
 * The monthly statement as a PDF, in the house style of the agreement and notices (pdf-lib,
 * Helvetica, US Letter, deterministic: the same statement gives the same bytes — its date is
 * the month's end, not "now").
 */
export async function renderStatementPdf(statement: MonthlyStatement): Promise<Uint8Array> {
  const title = `Monthly statement ${statement.month}`;
  const { pdf, writer } = await newPdfDocument({
    title,
    subject: `FlowPay statement for ${statement.merchantName}, ${statement.month}`,
    author: "FlowPay",
    keywords: ["statement", "payouts", statement.month, statement.merchantId],
    date: statement.to,
  });
  const { bold } = writer.fonts;
  writer.paragraph(`${title} - ${statement.merchantName}`, { font: bold, size: 16, after: 2 });
  writer.paragraph(
    `From ${statement.from.toISOString().slice(0, 10)} to ${new Date(statement.to.getTime() - 86_400_000).toISOString().slice(0, 10)} (UTC). Merchant ${statement.merchantId}.`,
    { size: 9, color: pdfGrey, after: 10 },
  );

  writer.heading("Summary", 11);
  const half = pdfContentWidth / 2;
  writer.table(
    [
      { header: "", width: half },
      { header: "Amount", width: half, align: "right" },
    ],
    [
      ["Owed to you at the start of the month", formatMoney(statement.openingCents)],
      ["Funded and other movements", formatMoney(statement.totals.amountCents)],
      ["Merchant fees (charged less returned)", formatMoney(statement.totals.feeCents)],
      ["Net change", formatMoney(statement.totals.netCents)],
      ["Owed to you at the end of the month", formatMoney(statement.closingCents)],
    ],
    { size: 10, boldRows: [4] },
  );
  writer.paragraph(
    "A negative amount owed means refunds were larger than what was left to pay out: it is netted from your next payouts.",
    { size: 8, color: pdfGrey, after: 8 },
  );

  const { grouped, rows } = statementPdfRows(statement);
  writer.heading(grouped ? "Movements, totals per day and type" : "Movements", 11);
  if (grouped) {
    writer.paragraph(
      `${statement.lines.length} movements this month: the CSV export lists each one.`,
      { size: 8, color: pdfGrey, after: 6 },
    );
  }
  const money = 72;
  if (rows.length === 0) writer.paragraph("Nothing moved this month.");
  else
    writer.table(
      [
        { header: "Date", width: 62 },
        { header: "Type", width: 58 },
        {
          header: grouped ? "Movements" : "Loan / application",
          width: pdfContentWidth - 120 - 3 * money,
        },
        { header: "Amount", width: money, align: "right" },
        { header: "Fee", width: money, align: "right" },
        { header: "Net", width: money, align: "right" },
      ],
      rows.map((row) => [
        row.date,
        kindLabels[row.kind] ?? row.kind,
        row.what,
        formatMoney(row.amountCents),
        formatMoney(row.feeCents),
        formatMoney(row.netCents),
      ]),
      { size: 8 },
    );
  writer.footers(`FlowPay statement - ${statement.merchantName} - ${statement.month}`);
  return savePdf(pdf);
}

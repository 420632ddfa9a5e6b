import type { Disclosure } from "~/app/decisioning/disclosure";
import { formatMoney } from "~/app/money/dollars";
import type { ScheduleRow } from "~/app/decisioning/money";

/**
 * The borrower's loan agreement as one data model: the sign page renders it as HTML, the
 * signed PDF (agreement-pdf.server.ts) draws the same model, and `agreementText` is the
 * canonical plain text whose SHA-256 goes in the consent record. Pure: imported by a route.
 *
 * Every string here is final display text (money already formatted, dates resolved), so
 * the two renderings cannot disagree about a term. The wording needs the lender partner's
 * compliance review before going live, like the creditor identity it names.
 */

/** Bump when the wording or layout of the model changes (stored with each consent). */
export const agreementVersion = "loan-agreement/1";

export type AgreementInput = {
  applicationId: string;
  /** The signing date; payment k is due k months after. Its UTC calendar date is used. */
  loanDate: Date;
  borrower: { fullName: string; addressLines: string[] };
  merchant: { name: string };
  /** From app/decisioning/adverse-action.ts `creditor` until it is per lender. */
  creditor: { name: string; address: string };
  offer: {
    termMonths: number;
    noteRate: string;
    apr: string;
    monthlyPaymentCents: number;
    lastPaymentCents: number;
    principalCents: number;
    originationFeeCents: number;
    amountFinancedCents: number;
  };
  disclosure: Disclosure;
  /** The full amortization schedule (offers.schedule). */
  schedule: ScheduleRow[];
};

export type AgreementSection = {
  heading: string;
  paragraphs: string[];
  /** Text the law wants more conspicuous (bold): the FTC holder notice. */
  conspicuous?: boolean;
};

export type AgreementDocument = {
  title: string;
  applicationId: string;
  /** The loan date, YYYY-MM-DD. */
  loanDate: string;
  /** The creditor's identity, which Reg Z puts with the federal box. */
  creditor: { name: string; address: string };
  /** The federal box, in the order Reg Z shows it; `conspicuous` marks APR and finance charge. */
  federalBox: { label: string; value: string; explanation: string; conspicuous: boolean }[];
  paymentSchedule: { count: number; amount: string; when: string }[];
  itemization: { label: string; value: string }[];
  sections: AgreementSection[];
  scheduleTable: {
    number: number;
    dueDate: string;
    payment: string;
    principal: string;
    interest: string;
    balance: string;
  }[];
  /** Text the borrower agrees to by typing their name and ticking "I agree". */
  consentText: string;
  /** The version of this model's wording (`agreementVersion`); `agreementText` is what to hash. */
  version: string;
};

/** The offer, disclosure and schedule disagree: signing this would misstate a term. */
export class AgreementInputError extends Error {
  override name = "AgreementInputError";
  constructor(readonly problems: string[]) {
    super(`agreement inputs disagree: ${problems.join("; ")}`);
  }
}

const monthNames = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
] as const;

function isLeapYear(year: number) {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, monthIndex: number) {
  return monthIndex === 1
    ? isLeapYear(year)
      ? 29
      : 28
    : [4, 6, 9, 11].includes(monthIndex + 1)
      ? 30
      : 31;
}

function pad(value: number, width: number) {
  return String(value).padStart(width, "0");
}

/**
 * The due date of payment `paymentNumber` (YYYY-MM-DD): that many calendar months after the
 * loan date's UTC calendar date, on the same day of the month, or the month's last day when
 * it is shorter (Jan 31 + 1 month → Feb 28, or Feb 29 in a leap year; + 2 months → Mar 31).
 * Payment 0 is the loan date itself.
 */
export function dueDate(loanDate: Date, paymentNumber: number): string {
  if (Number.isNaN(loanDate.getTime())) throw new RangeError("loan date is not a valid date");
  if (!Number.isSafeInteger(paymentNumber) || paymentNumber < 0) {
    throw new RangeError("payment number must be a whole number ≥ 0");
  }
  const months = loanDate.getUTCMonth() + paymentNumber;
  const year = loanDate.getUTCFullYear() + Math.floor(months / 12);
  const monthIndex = months % 12;
  const day = Math.min(loanDate.getUTCDate(), daysInMonth(year, monthIndex));
  return `${pad(year, 4)}-${pad(monthIndex + 1, 2)}-${pad(day, 2)}`;
}

/** "2025-02-28" → "February 28, 2025" (fixed English, no Intl: the same on every machine). */
function longDate(isoDate: string) {
  const [year, month, day] = isoDate.split("-").map(Number) as [number, number, number];
  return `${monthNames[month - 1]} ${day}, ${year}`;
}

/**
 * The four cells of the federal Truth-in-Lending box (Reg Z §1026.18), one list for the offer
 * page, the agreement and its PDF. "Annual percentage rate" and "Finance charge" are more
 * conspicuous than the rest, as the rule requires. `apr` comes formatted: the agreement prints
 * every decimal of the rate (formatPercent), the offer page the rate as decided.
 */
export function federalBoxCells(
  disclosure: Disclosure,
  apr: string,
): AgreementDocument["federalBox"] {
  return [
    {
      label: "Annual percentage rate",
      value: apr,
      explanation: "The cost of your credit as a yearly rate.",
      conspicuous: true,
    },
    {
      label: "Finance charge",
      value: formatMoney(disclosure.financeChargeCents),
      explanation: "The dollar amount the credit will cost you.",
      conspicuous: true,
    },
    {
      label: "Amount financed",
      value: formatMoney(disclosure.amountFinancedCents),
      explanation: "The amount of credit provided to you or on your behalf.",
      conspicuous: false,
    },
    {
      label: "Total of payments",
      value: formatMoney(disclosure.totalOfPaymentsCents),
      explanation: "The amount you will have paid after you have made all payments as scheduled.",
      conspicuous: false,
    },
  ];
}

/** "9.99" → "9.990": at least three decimals, every decimal the rate has (never rounded). */
export function formatPercent(rate: string): string {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(rate);
  if (!match) throw new RangeError(`"${rate}" is not a percentage like "9.990"`);
  const [, whole, fraction = ""] = match;
  return `${Number(whole)}.${fraction.padEnd(3, "0")}%`;
}

function sameRate(a: string, b: string) {
  const canonical = (rate: string) => formatPercent(rate).replace(/0+%$/, "").replace(/\.$/, "");
  return canonical(a) === canonical(b);
}

/** One line of user-supplied text: NFC, invisible characters dropped, whitespace collapsed. */
function oneLine(value: string) {
  return value
    .normalize("NFC")
    .replace(/\p{Cf}/gu, "")
    .replace(/[\s\p{Cc}]+/gu, " ")
    .trim();
}

function listAnd(items: string[]) {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

function plural(count: number, one: string, many: string) {
  return `${count} ${count === 1 ? one : many}`;
}

/** Everything that must agree before a borrower may sign (empty when it does). */
export function agreementInputProblems(input: AgreementInput): string[] {
  const { offer, disclosure, schedule } = input;
  const problems: string[] = [];
  const check = (ok: boolean, problem: string) => {
    if (!ok) problems.push(problem);
  };
  check(!Number.isNaN(input.loanDate.getTime()), "the loan date is not a valid date");
  check(oneLine(input.borrower.fullName) !== "", "the borrower's name is empty");
  check(oneLine(input.merchant.name) !== "", "the merchant's name is empty");
  check(oneLine(input.creditor.name) !== "", "the creditor's name is empty");
  check(
    schedule.length === offer.termMonths && disclosure.termMonths === offer.termMonths,
    `term: offer ${offer.termMonths}, disclosure ${disclosure.termMonths}, schedule ${schedule.length} rows`,
  );
  check(
    schedule.every((row, index) => row.number === index + 1),
    "schedule rows are not numbered 1 … n",
  );
  const totalPaid = schedule.reduce((sum, row) => sum + row.paymentCents, 0);
  check(
    totalPaid === disclosure.totalOfPaymentsCents,
    `total of payments: schedule ${totalPaid}, disclosure ${disclosure.totalOfPaymentsCents}`,
  );
  check(
    disclosure.financeChargeCents ===
      disclosure.totalOfPaymentsCents - disclosure.amountFinancedCents,
    "finance charge ≠ total of payments − amount financed",
  );
  check(
    offer.amountFinancedCents === disclosure.amountFinancedCents,
    `amount financed: offer ${offer.amountFinancedCents}, disclosure ${disclosure.amountFinancedCents}`,
  );
  check(
    offer.principalCents === disclosure.itemization.principalCents &&
      offer.principalCents === offer.amountFinancedCents + offer.originationFeeCents,
    "principal ≠ amount financed + origination fee",
  );
  check(
    offer.originationFeeCents === disclosure.itemization.prepaidFinanceChargeCents,
    "origination fee ≠ prepaid finance charge",
  );
  const item = disclosure.itemization;
  check(
    item.amountPaidToMerchantCents + item.amountPaidToBorrowerCents ===
      disclosure.amountFinancedCents,
    "itemization does not add up to the amount financed",
  );
  const first = schedule[0];
  const last = schedule[schedule.length - 1];
  check(
    first !== undefined && last !== undefined && last.balanceCents === 0,
    "the schedule does not end at a zero balance",
  );
  check(
    schedule.length <= 1 || first?.paymentCents === offer.monthlyPaymentCents,
    "monthly payment ≠ the schedule's first payment",
  );
  check(
    last?.paymentCents === offer.lastPaymentCents,
    "last payment ≠ the schedule's last payment",
  );
  let apr = false;
  try {
    apr =
      sameRate(offer.apr, disclosure.annualPercentageRate) &&
      sameRate(offer.noteRate, disclosure.noteRate);
  } catch {
    apr = false;
  }
  check(apr, `rates: offer APR ${offer.apr}, disclosure APR ${disclosure.annualPercentageRate}`);
  const expanded = disclosure.paymentSchedule.flatMap((group) =>
    Array.from({ length: group.count }, (_, k) => ({
      number: group.firstPaymentNumber + k,
      amount: group.amountCents,
    })),
  );
  check(
    expanded.length === schedule.length &&
      expanded.every(
        (payment, index) =>
          payment.number === schedule[index]?.number &&
          payment.amount === schedule[index]?.paymentCents,
      ),
    "the disclosure's payment schedule does not match the amortization schedule",
  );
  return problems;
}

/** The agreement for one offer. Throws AgreementInputError when its inputs disagree. */
export function buildAgreement(input: AgreementInput): AgreementDocument {
  const problems = agreementInputProblems(input);
  if (problems.length > 0) throw new AgreementInputError(problems);

  const { offer, disclosure, schedule } = input;
  const borrowerName = oneLine(input.borrower.fullName);
  const address = input.borrower.addressLines.map(oneLine).filter((line) => line !== "");
  const merchant = oneLine(input.merchant.name);
  const creditor = { name: oneLine(input.creditor.name), address: oneLine(input.creditor.address) };
  const loanDate = dueDate(input.loanDate, 0);
  const on = (paymentNumber: number) => longDate(dueDate(input.loanDate, paymentNumber));

  const apr = formatPercent(disclosure.annualPercentageRate);
  const noteRate = formatPercent(offer.noteRate);
  const fee = offer.originationFeeCents;
  const amountFinanced = formatMoney(disclosure.amountFinancedCents);

  const federalBox = federalBoxCells(disclosure, apr);

  const paymentSchedule = disclosure.paymentSchedule.map((group) => ({
    count: group.count,
    amount: formatMoney(group.amountCents),
    when:
      group.count === 1
        ? `On ${on(group.firstPaymentNumber)}`
        : `Monthly, beginning ${on(group.firstPaymentNumber)}`,
  }));

  const itemization = [
    {
      label: "Amount given to you directly",
      value: formatMoney(disclosure.itemization.amountPaidToBorrowerCents),
    },
    {
      label: `Amount paid to ${merchant} on your behalf`,
      value: formatMoney(disclosure.itemization.amountPaidToMerchantCents),
    },
    { label: "Amount financed", value: amountFinanced },
    {
      label: "Prepaid finance charge (origination fee, financed into your loan)",
      value: formatMoney(disclosure.itemization.prepaidFinanceChargeCents),
    },
    {
      label: "Principal amount of your loan (amount financed plus prepaid finance charge)",
      value: formatMoney(disclosure.itemization.principalCents),
    },
  ];

  const payments = listAnd(
    paymentSchedule.map(
      (group, index) =>
        `${index > 0 && group.count === 1 && index === paymentSchedule.length - 1 ? "a final payment" : plural(group.count, "payment", "payments")} of ${group.amount}`,
    ),
  );
  const principalSentence =
    fee > 0
      ? `You promise to pay us ${formatMoney(offer.principalCents)}, the principal amount of your loan (the amount financed of ${amountFinanced} plus the origination fee of ${formatMoney(fee)}, which is financed into the loan), with interest as described below.`
      : `You promise to pay us ${formatMoney(offer.principalCents)}, the principal amount of your loan, with interest as described below.`;
  const zeroRate = /^0+(\.0+)?$/.test(offer.noteRate);

  const sections: AgreementSection[] = [
    {
      heading: "Parties",
      paragraphs: [
        `This Loan Agreement ("Agreement") is between you, ${borrowerName}${address.length > 0 ? `, of ${address.join(", ")}` : ""} (the "borrower"), and ${creditor.name}, ${creditor.address} (the "lender", "we" or "us"). "You" and "your" mean the borrower.`,
        `The loan date is ${longDate(loanDate)}. Application reference: ${input.applicationId}.`,
        `The loan pays for goods or services from ${merchant}. We pay ${formatMoney(disclosure.itemization.amountPaidToMerchantCents)} to ${merchant} on your behalf. ${merchant} is not the lender.`,
      ],
    },
    {
      heading: "Your promise to pay",
      paragraphs: [
        principalSentence,
        `You will repay the loan in ${plural(offer.termMonths, "monthly payment", "monthly payments")}: ${payments}. If you make every payment as scheduled, you will have paid ${formatMoney(disclosure.totalOfPaymentsCents)} in total.`,
        `Your first payment is due on ${on(1)}, one month after the loan date. Each later payment is due on the same day of each following month, or on the last day of a month that has no such day. The schedule at the end of this Agreement lists every due date and how each payment is split between principal and interest.`,
      ],
    },
    {
      heading: "Interest",
      paragraphs: [
        zeroRate
          ? `This loan has a note rate of ${noteRate}: no interest is charged on the principal.`
          : `Interest is charged at a fixed note rate of ${noteRate} per year on the unpaid principal balance. Each month's interest is one twelfth of the note rate times the balance after the previous payment, rounded to the nearest cent. Each payment pays that month's interest first; the rest reduces the principal. The last payment is adjusted so that the balance ends at exactly zero. The note rate does not change during the loan.`,
        fee > 0
          ? `Your annual percentage rate (${apr}) is higher than the note rate because it also counts the origination fee of ${formatMoney(fee)} as part of the cost of your credit.`
          : `Your annual percentage rate is ${apr}. It is the cost of your credit as a yearly rate, worked out from the amount financed and the payment schedule.`,
      ],
    },
    {
      heading: "Late charge",
      paragraphs: [disclosure.lateCharge.text],
    },
    {
      heading: "Prepayment",
      paragraphs: [
        `You may pay off all or part of what you owe at any time. ${disclosure.prepayment.text}`,
      ],
    },
    {
      heading: "Electronic records and signatures",
      paragraphs: [
        "Before this Agreement was shown to you, you agreed to receive disclosures and records electronically and to sign electronically. That consent, including your right to a paper copy and your right to withdraw your consent, applies to this Agreement.",
        'Typing your full name and ticking "I agree" is your electronic signature. It has the same effect as your handwritten signature.',
        "We keep the signed Agreement as a PDF document together with the date and time you signed, your IP address, your browser's identification (user agent) and a SHA-256 fingerprint of the document, which shows that it has not been changed. You can download the signed Agreement after you sign, and save or print it.",
      ],
    },
    {
      heading: "Governing terms",
      paragraphs: [
        "This Agreement, including the federal Truth in Lending disclosures and the payment schedule in it, is the whole agreement between you and us about this loan.",
        "This Agreement is governed by federal law and, where federal law does not apply, by the law of the state in which the lender is located.",
        "If a court finds any part of this Agreement unenforceable, the rest of it remains in effect.",
      ],
    },
    {
      heading: "Notice to any holder of this contract",
      paragraphs: [
        "NOTICE: ANY HOLDER OF THIS CONSUMER CREDIT CONTRACT IS SUBJECT TO ALL CLAIMS AND DEFENSES WHICH THE DEBTOR COULD ASSERT AGAINST THE SELLER OF GOODS OR SERVICES OBTAINED WITH THE PROCEEDS HEREOF. RECOVERY HEREUNDER BY THE DEBTOR SHALL NOT EXCEED AMOUNTS PAID BY THE DEBTOR HEREUNDER.",
      ],
      conspicuous: true,
    },
    {
      heading: "Signatures",
      paragraphs: [
        "Read all of this Agreement before you sign it, including the federal disclosures, the payment schedule and the itemization of the amount financed. Do not sign it if any of the terms are not the ones you were offered.",
        `You sign this Agreement by typing your full name and ticking "I agree". You are entitled to a complete copy of the signed Agreement. We accept this Agreement by paying ${merchant} on your behalf.`,
      ],
    },
  ];

  const scheduleTable = schedule.map((row) => ({
    number: row.number,
    dueDate: dueDate(input.loanDate, row.number),
    payment: formatMoney(row.paymentCents),
    principal: formatMoney(row.principalCents),
    interest: formatMoney(row.interestCents),
    balance: formatMoney(row.balanceCents),
  }));

  return {
    title: "Loan Agreement and Federal Truth in Lending Disclosures",
    applicationId: input.applicationId,
    loanDate,
    creditor,
    federalBox,
    paymentSchedule,
    itemization,
    sections,
    scheduleTable,
    consentText:
      'I have read this Loan Agreement, including the federal Truth in Lending disclosures, the payment schedule and the itemization of the amount financed, and I agree to its terms. By typing my full name and ticking "I agree", I sign it electronically; my electronic signature has the same effect as my handwritten signature.',
    version: agreementVersion,
  };
}

/**
 * The canonical plain text of the agreement: every field of the model, in order, one per
 * line (fields never contain line breaks). Its SHA-256 is the consent record's text hash,
 * so any change to a term, a date, a name or the wording changes the hash.
 */
export function agreementText(doc: AgreementDocument): string {
  const lines: string[] = [
    doc.title,
    `Version: ${doc.version}`,
    `Application: ${doc.applicationId}`,
    `Loan date: ${doc.loanDate}`,
    `Creditor: ${doc.creditor.name}, ${doc.creditor.address}`,
    "",
    "FEDERAL TRUTH IN LENDING DISCLOSURES",
    ...doc.federalBox.map(
      (cell) => `${cell.label}: ${cell.value} (${cell.explanation})${cell.conspicuous ? " *" : ""}`,
    ),
    "",
    "YOUR PAYMENT SCHEDULE",
    "Number of payments | Amount of payments | When payments are due",
    ...doc.paymentSchedule.map((group) => `${group.count} | ${group.amount} | ${group.when}`),
    "",
    "ITEMIZATION OF THE AMOUNT FINANCED",
    ...doc.itemization.map((item) => `${item.label}: ${item.value}`),
    "",
    ...doc.sections.flatMap((section) => [
      `${section.heading.toUpperCase()}${section.conspicuous ? " *" : ""}`,
      ...section.paragraphs,
      "",
    ]),
    "PAYMENT SCHEDULE BY PAYMENT",
    "Number | Due date | Payment | Principal | Interest | Balance",
    ...doc.scheduleTable.map(
      (row) =>
        `${row.number} | ${row.dueDate} | ${row.payment} | ${row.principal} | ${row.interest} | ${row.balance}`,
    ),
    "",
    "AGREEMENT TO SIGN",
    doc.consentText,
  ];
  return `${lines.map((line) => line.replace(/\s+/g, " ").trimEnd()).join("\n")}\n`;
}

import { sandboxCreditor, type Creditor } from "~/app/lending/creditors";
import { formatMoney } from "~/app/money/dollars";
import type { CreditInput } from "./inputs";
import { reasonSpec } from "./reasons";

/**
 * Adverse action (ECOA / Regulation B §1002.9, FCRA §615): up to four specific principal
 * reasons from the rules that fired, in order of importance, and — because the decision
 * used a credit report — the credit-score disclosure block.
 *
 * The creditor and the agency that supervises it are the lender partner's, from its
 * configuration (app/lending/creditors.ts, ADR 033): every notice is given one.
 */

/** The sandbox lender's name and address (test fixtures and the demo). */
export const creditor = {
  name: sandboxCreditor.legalName,
  address: sandboxCreditor.address,
} as const;

export const bureauContact = {
  name: "Experian",
  address: "P.O. Box 2002, Allen, TX 75013",
  phone: "1-888-397-3742",
  website: "www.experian.com/reportaccess",
} as const;

/** Regulation B §1002.9(b)(1)'s statement, naming the creditor's own supervising agency. */
export function ecoaStatement(agency: Creditor["supervisingAgency"]): string {
  return (
    "NOTICE: The Federal Equal Credit Opportunity Act prohibits creditors from discriminating against credit applicants on the basis of race, color, religion, national origin, sex, marital status, age (provided the applicant has the capacity to enter into a binding contract); because all or part of the applicant's income derives from any public assistance program; or because the applicant has in good faith exercised any right under the Consumer Credit Protection Act. The Federal agency that administers compliance with this law concerning this creditor is the " +
    `${agency.name}, ${agency.address}${agency.phone ? ` (${agency.phone})` : ""}.`
  );
}

export const maxPrincipalReasons = 4;

export type AdverseActionReason = { code: string; text: string };

export type CreditScoreDisclosure = {
  score: number | null;
  scoreModel: string | null;
  range: { min: number; max: number };
  /** Up to four key factors, plus the number of inquiries as a fifth when it was a key factor. */
  keyFactors: string[];
  /** The date of the credit report (YYYY-MM-DD). */
  date: string;
  bureau: typeof bureauContact;
  statements: { bureauDidNotDecide: string; freeReport: string; dispute: string };
};

export type AdverseAction = {
  reasons: AdverseActionReason[];
  creditScoreDisclosure: CreditScoreDisclosure | null;
};

const statements = {
  bureauDidNotDecide: `Our decision was based in whole or in part on information obtained in a report from the consumer reporting agency listed above. The consumer reporting agency played no part in our decision and is unable to supply specific reasons why we have denied credit to you.`,
  freeReport: `You have a right under the Fair Credit Reporting Act to know the information contained in your credit file at the consumer reporting agency. You have a right to a free copy of your report from the reporting agency, if you request it no later than 60 days after you receive this notice.`,
  dispute: `If you find that any information contained in the report you receive is inaccurate or incomplete, you have the right to dispute the matter with the reporting agency.`,
};

/**
 * The notice's content for a decline. `declineReasonCodes` are the fired decline rules'
 * reason codes in rule order. A credit-score rule contributes the score's key factors
 * (never "score too low"); each fired rule gets a place before any rule gets a second.
 */
export function buildAdverseAction(
  declineReasonCodes: readonly string[],
  credit: CreditInput,
): AdverseAction {
  const report = credit.status === "ok" ? credit.report : null;
  const factors = report?.scoreFactors ?? [];
  const reasons: AdverseActionReason[] = [];
  const add = (reason: AdverseActionReason) => {
    if (reasons.length < maxPrincipalReasons && !reasons.some((r) => r.text === reason.text))
      reasons.push(reason);
  };
  let nextFactor = 0;
  const factorReason = () => {
    while (nextFactor < factors.length) {
      const factor = factors[nextFactor++]!;
      if (!reasons.some((r) => r.text === factor.description)) {
        return { code: `score_factor:${factor.code}`, text: factor.description };
      }
    }
    return null;
  };
  let scoreRuleFired = false;
  for (const code of declineReasonCodes) {
    const spec = reasonSpec(code);
    if (!spec?.consumer) continue;
    if (spec.fromScoreFactors) {
      scoreRuleFired = true;
      add(factorReason() ?? { code, text: spec.consumer });
    } else add({ code, text: spec.consumer });
  }
  while (scoreRuleFired && reasons.length < maxPrincipalReasons) {
    const reason = factorReason();
    if (!reason) break;
    add(reason);
  }

  let creditScoreDisclosure: CreditScoreDisclosure | null = null;
  if (report) {
    const keyFactors = factors.slice(0, 4).map((factor) => factor.description);
    const inquiries = factors.slice(4).find((factor) => factor.inquiries);
    if (inquiries) keyFactors.push(inquiries.description);
    creditScoreDisclosure = {
      score: report.score,
      scoreModel: report.scoreModel,
      range: report.scoreRange,
      keyFactors,
      date: report.reportDate,
      bureau: bureauContact,
      statements,
    };
  }
  return { reasons, creditScoreDisclosure };
}

export type NoticeSection = { heading: string; lines: string[] };
export type AdverseActionNoticeView = {
  title: string;
  sections: NoticeSection[];
  /** The creditor's legal name (the PDF's author). */
  creditorName: string;
};

/** What the borrower reads (screen, e-mail, PDF): the notice as headed sections of plain text. */
export function adverseActionNoticeView(notice: {
  applicantName: string;
  amountCents: number;
  merchantName: string;
  decidedOn: string;
  reasons: readonly AdverseActionReason[];
  creditScoreDisclosure: CreditScoreDisclosure | null;
  creditor: Creditor;
}): AdverseActionNoticeView {
  const creditor = notice.creditor;
  const sections: NoticeSection[] = [
    {
      heading: "Action taken",
      lines: [
        `Dear ${notice.applicantName},`,
        `Thank you for applying for financing of ${formatMoney(notice.amountCents)} for services from ${notice.merchantName}. On ${notice.decidedOn} we declined your application.`,
      ],
    },
    {
      heading: "Principal reasons for our decision",
      lines: notice.reasons.map((reason, index) => `${index + 1}. ${reason.text}`),
    },
  ];
  const disclosure = notice.creditScoreDisclosure;
  if (disclosure) {
    sections.push({
      heading: "Your credit score and the consumer reporting agency",
      lines: [
        `${disclosure.bureau.name}, ${disclosure.bureau.address}, ${disclosure.bureau.phone}, ${disclosure.bureau.website}`,
        disclosure.score === null
          ? `No credit score was available from ${disclosure.bureau.name} on ${disclosure.date}.`
          : `We also obtained your credit score from this consumer reporting agency and used it in making our credit decision. Your credit score: ${disclosure.score}. Date: ${disclosure.date}. Scores range from a low of ${disclosure.range.min} to a high of ${disclosure.range.max}.`,
        ...(disclosure.keyFactors.length > 0
          ? [
              "Key factors that adversely affected your credit score:",
              ...disclosure.keyFactors.map((factor, index) => `${index + 1}. ${factor}`),
            ]
          : []),
        disclosure.statements.bureauDidNotDecide,
        disclosure.statements.freeReport,
        disclosure.statements.dispute,
      ],
    });
  }
  sections.push(
    {
      heading: "Creditor",
      lines: [creditor.legalName, creditor.address, ...(creditor.phone ? [creditor.phone] : [])],
    },
    { heading: "Your rights", lines: [ecoaStatement(creditor.supervisingAgency)] },
  );
  return {
    title: "Notice of action taken on your credit application",
    sections,
    creditorName: creditor.legalName,
  };
}

/** The notice as plain text (e-mail body, SMS link page fallback). */
export function renderAdverseActionText(view: AdverseActionNoticeView): string {
  return [
    view.title.toUpperCase(),
    "",
    ...view.sections.flatMap((section) => [section.heading, ...section.lines, ""]),
  ].join("\n");
}

/**
 * The credit score disclosure exception notice (FCRA §615(h), Regulation V §1022.74(d), model
 * form H-3): offers are priced by tier from a credit report, so every applicant who gets offers
 * is told the score used, its range, where it falls among consumers, its date and source, up to
 * four key factors, and the right to a free report (docs/product/lending.md "Credit-score disclosure"). Pure:
 * everything comes from the decision snapshot's bureau data and the creditor's identity.
 */
import type { Creditor } from "~/app/lending/creditors";
import { bureauContact, type NoticeSection } from "./adverse-action";
import type { CreditInput } from "./inputs";

/**
 * Share of U.S. consumers by score band, for scores on the 300–850 scale (the bureau's published
 * distribution; ADR 034 says where it comes from and when to refresh it). Bands are [min, max],
 * shares in whole percent summing to 100.
 */
export const scoreDistribution: readonly { min: number; max: number; percent: number }[] = [
  { min: 300, max: 499, percent: 3 },
  { min: 500, max: 549, percent: 5 },
  { min: 550, max: 599, percent: 7 },
  { min: 600, max: 649, percent: 10 },
  { min: 650, max: 699, percent: 13 },
  { min: 700, max: 749, percent: 17 },
  { min: 750, max: 799, percent: 23 },
  { min: 800, max: 850, percent: 22 },
];

/**
 * The whole percent of consumers whose score is lower than `score` (H-3: "Your credit score
 * ranks higher than X percent of U.S. consumers"): the bands below, plus the band's own share
 * in proportion to where the score sits in it, rounded down. Null off the 300–850 scale.
 */
export function ranksHigherThanPercent(
  score: number,
  range: { min: number; max: number },
): number | null {
  if (range.min !== 300 || range.max !== 850 || score < 300 || score > 850) return null;
  let below = 0;
  for (const band of scoreDistribution) {
    if (score > band.max) {
      below += band.percent;
      continue;
    }
    const width = band.max - band.min + 1;
    // Integer arithmetic: (score - min) / width of the band's share, floored.
    return Math.floor((below * width + band.percent * (score - band.min)) / width);
  }
  return 99;
}

export type ScoreNotice = {
  title: string;
  score: number;
  scoreModel: string | null;
  range: { min: number; max: number };
  /** YYYY-MM-DD: the credit report's date. */
  date: string;
  ranksHigherThan: number | null;
  /** Up to four, in the bureau's order; the number of inquiries as a fifth when it was one. */
  keyFactors: string[];
  bureau: typeof bureauContact;
  creditorName: string;
  sections: NoticeSection[];
};

/**
 * The notice for a decision's bureau data, or null when no score was used (no report, or a
 * report without a score: then there is no score to disclose and tier pricing did not use one).
 */
export function buildScoreNotice(input: {
  applicantName: string;
  credit: CreditInput;
  creditor: Creditor;
}): ScoreNotice | null {
  if (input.credit.status !== "ok") return null;
  const report = input.credit.report;
  if (report.score === null) return null;
  const factors = report.scoreFactors;
  const keyFactors = factors.slice(0, 4).map((factor) => factor.description);
  const inquiries = factors.slice(4).find((factor) => factor.inquiries);
  if (inquiries) keyFactors.push(inquiries.description);
  const ranks = ranksHigherThanPercent(report.score, report.scoreRange);
  const bureau = bureauContact;
  const creditor = input.creditor;
  const title = "Your Credit Score and the Price You Pay for Credit";
  const sections: NoticeSection[] = [
    {
      heading: "Your Credit Score",
      lines: [
        `Dear ${input.applicantName},`,
        `Your credit score: ${report.score}`,
        `Source: ${bureau.name}${report.scoreModel ? ` (${report.scoreModel})` : ""}`,
        `Date: ${report.reportDate}`,
      ],
    },
    {
      heading: "Understanding Your Credit Score",
      lines: [
        "Your credit score is a number that reflects the information in your credit report. Your credit report is a record of your credit history. It includes information about whether you pay your bills on time and how much you owe to creditors.",
        "Your credit score can change, depending on how your credit history changes.",
        "We have used your credit score to set the terms of credit we are offering you. Consumers with higher credit scores generally receive more favorable terms.",
      ],
    },
    {
      heading: "How Your Score Compares to the Scores of Other Consumers",
      lines: [
        `Scores range from a low of ${report.scoreRange.min} to a high of ${report.scoreRange.max}.`,
        ranks === null
          ? `Your score is ${report.score} on a scale from ${report.scoreRange.min} to ${report.scoreRange.max}.`
          : `Your credit score ranks higher than ${ranks} percent of U.S. consumers.`,
        ...(ranks === null
          ? []
          : [
              `Distribution of credit scores of U.S. consumers: ${scoreDistribution
                .map((band) => `${band.min}–${band.max}: ${band.percent}%`)
                .join("; ")}.`,
            ]),
      ],
    },
    {
      heading: "Key factors that adversely affected your credit score",
      lines:
        keyFactors.length > 0
          ? keyFactors.map((factor, index) => `${index + 1}. ${factor}`)
          : ["The consumer reporting agency gave no key factors."],
    },
    {
      heading: "Checking Your Credit Report",
      lines: [
        "Under federal law, you have the right to obtain a free copy of your credit report from each of the nationwide consumer reporting agencies once a year, at www.annualcreditreport.com or 1-877-322-8228.",
        `You may also obtain a free copy of your report from ${bureau.name}, ${bureau.address}, ${bureau.phone}, ${bureau.website}, if you request it within 60 days of receiving this notice.`,
        "If you find mistakes on your credit report, contact the consumer reporting agency. It is a good idea to check your credit report to make sure the information it contains is accurate.",
      ],
    },
    {
      heading: "How Can You Obtain More Information About Credit Scores?",
      lines: [
        "For more information about credit reports and your rights under federal law, visit the Consumer Financial Protection Bureau's website at www.consumerfinance.gov/learnmore.",
      ],
    },
    {
      heading: "Creditor",
      lines: [creditor.legalName, creditor.address, ...(creditor.phone ? [creditor.phone] : [])],
    },
  ];
  return {
    title,
    score: report.score,
    scoreModel: report.scoreModel,
    range: report.scoreRange,
    date: report.reportDate,
    ranksHigherThan: ranks,
    keyFactors,
    bureau,
    creditorName: creditor.legalName,
    sections,
  };
}

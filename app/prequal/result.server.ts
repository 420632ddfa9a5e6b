import { json } from "@remix-run/node";
import { getDatabase } from "~/app/db.server";
import {
  adverseActionNoticeView,
  type AdverseActionNoticeView,
  type AdverseActionReason,
  type CreditScoreDisclosure,
} from "~/app/decisioning/adverse-action";
import { creditorFor } from "~/app/lending/lenders.server";
import { renderNoticePdf } from "~/app/borrower/agreement-pdf.server";
import type { SamplePayment } from "./evaluate";
import { resolvePrequalification, type PrequalJourney } from "./prequalifications.server";

/**
 * Every prequalification page starts here: unknown link → 404, a link that ran out (or a result
 * past its 30 days) → 410 without any data.
 */
export async function loadPrequalJourney(token: string | undefined): Promise<PrequalJourney> {
  const database = await getDatabase();
  const found = await resolvePrequalification(database, token ?? "");
  if (found.kind === "unknown") throw new Response("Not Found", { status: 404 });
  if (found.kind === "expired") throw json({ reason: "expired" }, { status: 410 });
  return { database, token: token!, ...found.journey };
}

export type PrequalResult =
  | {
      kind: "prequalified";
      maxAmountCents: number;
      validUntil: string;
      samples: SamplePayment[];
    }
  | { kind: "not_prequalified"; notice: AdverseActionNoticeView; decidedAt: Date }
  | { kind: "none" };

/**
 * What the borrower sees after the soft pull. "Not prequalified" is a decline: its adverse
 * action notice is built by the same code as an application's (adverseActionNoticeView) from the
 * reasons and credit-score block stored with the prequalification, naming the creditor.
 */
export function prequalResult(journey: Omit<PrequalJourney, "database" | "token">): PrequalResult {
  const { prequal, customer, merchant } = journey;
  if (prequal.status === "prequalified" && prequal.maxAmountCents && prequal.validUntil) {
    const outcome = (prequal.snapshot as { outcome?: { samples?: SamplePayment[] } } | null)
      ?.outcome;
    return {
      kind: "prequalified",
      maxAmountCents: prequal.maxAmountCents,
      validUntil: prequal.validUntil.toISOString().slice(0, 10),
      samples: outcome?.samples ?? [],
    };
  }
  if (prequal.status === "not_prequalified" && prequal.noticeReasons && prequal.decidedAt) {
    const notice = prequalNoticeView({
      customer,
      merchant,
      decidedAt: prequal.decidedAt,
      reasons: prequal.noticeReasons,
      creditScoreDisclosure: prequal.creditScoreDisclosure as CreditScoreDisclosure | null,
    });
    return { kind: "not_prequalified", notice, decidedAt: prequal.decidedAt };
  }
  return { kind: "none" };
}

/** The "not prequalified" notice as a PDF (rendered from the stored reasons, dated as decided). */
export async function prequalNoticePdf(token: string | undefined) {
  const journey = await loadPrequalJourney(token);
  const result = prequalResult(journey);
  if (result.kind !== "not_prequalified") return null;
  const bytes = await renderNoticePdf(result.notice, result.decidedAt);
  return { id: journey.prequal.id, bytes };
}

/**
 * "Not prequalified" is a decline: its adverse action notice is built by the same code as an
 * application's (adverseActionNoticeView) from the stored reasons and credit-score block, naming
 * the creditor (the merchant's lender); only the action taken is worded for a prequalification.
 */
export function prequalNoticeView(args: {
  customer: Pick<PrequalJourney["customer"], "firstName" | "lastName">;
  merchant: Pick<PrequalJourney["merchant"], "name" | "maxAmountCents" | "lender">;
  decidedAt: Date;
  reasons: AdverseActionReason[];
  creditScoreDisclosure: CreditScoreDisclosure | null;
}): AdverseActionNoticeView {
  const { customer, merchant } = args;
  const decidedOn = args.decidedAt.toISOString().slice(0, 10);
  const view = adverseActionNoticeView({
    applicantName: `${customer.firstName} ${customer.lastName}`,
    amountCents: merchant.maxAmountCents,
    merchantName: merchant.name,
    decidedOn,
    reasons: args.reasons,
    creditScoreDisclosure: args.creditScoreDisclosure,
    creditor: creditorFor(merchant.lender),
  });
  const [action, ...rest] = view.sections;
  return {
    ...view,
    sections: [
      {
        heading: action!.heading,
        lines: [
          action!.lines[0]!,
          `Thank you for asking whether you prequalify for financing for services from ${merchant.name}. On ${decidedOn} we could not prequalify you.`,
        ],
      },
      ...rest,
    ],
  };
}

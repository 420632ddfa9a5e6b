/**
 * What a borrower whose link no longer works is told: what really happened, in plain words, and
 * what to do next. Pure; the same words on the 410 page of a closed link and on the closed page
 * of an application the borrower can still open. No application data (docs/product/api.md).
 */
export type ClosedReason =
  | "canceled"
  | "superseded"
  | "replaced"
  | "expired"
  | "lender_declined"
  /** The borrower canceled the signed financing from their own link (ADR 055). */
  | "canceled_by_borrower";

export function closedMessage(reason: ClosedReason): { title: string; paragraphs: string[] } {
  switch (reason) {
    case "canceled":
      return {
        title: "This financing request was canceled",
        paragraphs: [
          "The business that sent you this link canceled the financing request, so the link no longer works. Nothing more will happen with it.",
          "If you still want financing, ask them to send you a new link.",
        ],
      };
    case "superseded":
      return {
        title: "This link was replaced by a newer one",
        paragraphs: [
          "The business updated this financing offer (for example, the amount of the job) and a new link replaced this one.",
          "Use the link in your latest text message from FlowPay, or ask the business to send it again.",
        ],
      };
    case "replaced":
      return {
        title: "This link was replaced by a newer one",
        paragraphs: [
          "A newer link was sent for this same application, so this one no longer works. What you already entered is kept.",
          "Use the link in your latest text message from FlowPay, or ask the business to send it again.",
        ],
      };
    case "lender_declined":
      // FlowOps canceled it after the lender refused the signed loan (ADR 032).
      return {
        title: "No lender could fund this loan",
        paragraphs: [
          "After you signed, the lending partner declined the loan, and no other lending partner could fund it, so this application is closed.",
          "The loan was never made: you owe nothing on it. Please pay the business another way, or ask them about other options.",
        ],
      };
    case "canceled_by_borrower":
      return {
        title: "You canceled this financing",
        paragraphs: [
          "You canceled the financing before any money was paid out. The loan will not be made: you owe nothing on it, and the agreement you signed is not in effect.",
          "If you still want the work done, please arrange another way to pay the business.",
        ],
      };
    case "expired":
      return {
        title: "This link has expired",
        paragraphs: [
          "For your security, application links work for 24 hours.",
          "Ask the business that sent it to send you a new link — it only takes them a moment.",
        ],
      };
  }
}

/** The reason a closed page of a still-openable application shows (stored status canceled/expired). */
export function closedReasonOf(application: {
  status: string;
  supersededById: string | null;
}): ClosedReason {
  if (application.status === "canceled")
    return application.supersededById ? "superseded" : "canceled";
  return "expired";
}

export const closedReasons: readonly ClosedReason[] = [
  "canceled",
  "superseded",
  "replaced",
  "expired",
  "lender_declined",
  "canceled_by_borrower",
];

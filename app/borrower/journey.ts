/**
 * The borrower's journey as data: which page belongs to which application state, so every
 * loader and action checks the same rules (no skipping ahead, no re-submitting, no signing a
 * declined application). Pure; unit-tested.
 */
export const formSteps = ["details", "consents", "bank", "identity", "review"] as const;
export type FormStep = (typeof formSteps)[number];

export type Page =
  | "welcome"
  | FormStep
  | "pending"
  | "offers"
  | "sign"
  | "done"
  | "declined"
  | "in-review"
  | "closed"
  /** Documents a funding condition asks for (ADR 035), from approval until the loan is paid. */
  | "conditions";

export type JourneyState = {
  status:
    | "link_sent"
    | "in_progress"
    | "submitted"
    | "approved"
    | "declined"
    | "manual_review"
    | "offer_accepted"
    | "pending_funding"
    | "funded"
    | "canceled"
    | "expired"
    | "lender_declined"
    | "awaiting_completion"
    | "partially_refunded"
    | "refunded";
  /** The last form step the borrower completed (applications.step). */
  completedStep: FormStep | null;
};

/** The page a borrower belongs on right now. */
export function currentPage(state: JourneyState): Page {
  switch (state.status) {
    case "link_sent":
      return "welcome";
    case "in_progress": {
      const done = state.completedStep ? formSteps.indexOf(state.completedStep) : -1;
      return formSteps[Math.min(done + 1, formSteps.length - 1)]!;
    }
    case "submitted":
      return "pending";
    case "approved":
      return "offers";
    case "declined":
      return "declined";
    case "manual_review":
      return "in-review";
    // The done page also tells the borrower the lender refused, and what happens next (ADR 032).
    case "offer_accepted":
    case "pending_funding":
    case "funded":
    case "lender_declined":
    case "awaiting_completion":
    case "partially_refunded":
    case "refunded":
      return "done";
    case "canceled":
    case "expired":
      return "closed";
  }
}

/**
 * May the borrower open `page`? Earlier form steps stay open for corrections until the
 * application is submitted; `sign` belongs with `offers`; nothing else but the current page.
 */
export function mayVisit(page: Page, state: JourneyState): boolean {
  const current = currentPage(state);
  if (page === current) return true;
  if (state.status === "in_progress" && (formSteps as readonly string[]).includes(page)) {
    return formSteps.indexOf(page as FormStep) <= formSteps.indexOf(current as FormStep);
  }
  if (page === "sign" && current === "offers") return true;
  if (page === "conditions") {
    return ["approved", "offer_accepted", "pending_funding"].includes(state.status);
  }
  return false;
}

/** After completing `step`, the new completed step (never moving backwards). */
export function advance(completed: FormStep | null, step: FormStep): FormStep {
  if (completed === null) return step;
  return formSteps.indexOf(step) > formSteps.indexOf(completed) ? step : completed;
}

export function pagePath(token: string, page: Page) {
  return page === "welcome" ? `/apply/${token}` : `/apply/${token}/${page}`;
}

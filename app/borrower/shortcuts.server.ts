import type { clientInfo } from "~/app/audit/audit.server";
import { getPublishedRuleSet } from "~/app/decisioning/rule-sets.server";
import type { Journey } from "./context.server";
import { verifyIdentityInline } from "./identity.server";
import { redirect } from "@remix-run/node";
import { currentPage, pagePath, type Page } from "./journey";
import { saveBankLink } from "./steps.server";

type Client = ReturnType<typeof clientInfo>;

/**
 * The shorter journey (issue 17, ADR 067): steps the borrower need not see are done on the
 * server and the borrower goes on to the next page that needs them.
 */

/**
 * Whether the published rules look at the bank link at all. When none does (no rule on a
 * `bank.*` fact), a bank link cannot change the decision: the step is skipped for the borrower
 * (recorded as skipped). The default rules send an application without one to a person
 * (`no_bank_data`), so there the step stays.
 */
export async function bankLinkMatters(journey: Pick<Journey, "database">) {
  const ruleSet = await getPublishedRuleSet(journey.database);
  if (!ruleSet) return true;
  return ruleSet.rules.some((rule) => rule.field.startsWith("bank."));
}

/** Where the borrower goes next: one of their pages, or the identity partner's hosted flow. */
export type Next = { page: Page } | { url: string };

/** After the details (and consents): the bank page, unless the rules allow going on without it. */
export async function nextAfterDetails(journey: Journey, client: Client): Promise<Next> {
  // A correction from further on goes back there.
  const done = journey.state.completedStep;
  if (done !== null && done !== "details" && done !== "consents") {
    return { page: currentPage({ status: "in_progress", completedStep: done }) };
  }
  if (await bankLinkMatters(journey)) return { page: "bank" };
  await saveBankLink(journey, { kind: "skipped" }, client);
  return nextAfterBank(journey, client);
}

/**
 * After the bank step: the review page, the identity check done inline when it answers at once;
 * otherwise the partner's hosted flow for the inquiry just started (it returns to the identity
 * page), or the identity page when the check could not start.
 */
export async function nextAfterBank(journey: Journey, client: Client): Promise<Next> {
  if (journey.state.completedStep === "identity" || journey.state.completedStep === "review") {
    return { page: "review" };
  }
  const identity = await verifyIdentityInline(journey, client);
  if (identity.kind === "hosted") return { url: identity.url };
  return { page: identity.kind === "done" ? "review" : "identity" };
}

/** The redirect to `next` (303 to the hosted flow: a GET there after this POST). */
export function redirectToNext(token: string, next: Next) {
  return "url" in next ? redirect(next.url, 303) : redirect(pagePath(token, next.page));
}

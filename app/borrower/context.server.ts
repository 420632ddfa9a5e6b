import { json, redirect } from "@remix-run/node";
import { eq } from "drizzle-orm";
import type { Database } from "~/db/client";
import { customers, merchants, serviceJobs, type applications } from "~/db/schema/index";
import { createRateLimiter } from "~/app/api/rate-limit.server";
import { clientInfo } from "~/app/audit/audit.server";
import { getEnv } from "~/app/config/env.server";
import { getDatabase } from "~/app/db.server";
import {
  currentPage,
  mayVisit,
  pagePath,
  type FormStep,
  type JourneyState,
  type Page,
} from "./journey";
import { resolveLink } from "./links.server";
import { singleton } from "~/app/singleton.server";

export type Journey = {
  database: Database;
  token: string;
  application: typeof applications.$inferSelect;
  customer: typeof customers.$inferSelect;
  merchant: typeof merchants.$inferSelect;
  job: typeof serviceJobs.$inferSelect;
  state: JourneyState;
};

/**
 * Every borrower page starts here: the token opens exactly one application (unknown → 404;
 * expired, revoked or canceled → 410 saying which, without any application data), and the page must be
 * one the application's state allows — otherwise the borrower is sent where they belong.
 */
export async function loadJourney(token: string | undefined, page: Page): Promise<Journey> {
  const database = await getDatabase();
  const link = await resolveLink(database, token ?? "");
  if (link.kind === "unknown") throw new Response("Not Found", { status: 404 });
  if (link.kind === "expired") throw json({ reason: "expired" }, { status: 410 });
  // What really happened to a link that no longer works (canceled, superseded, replaced).
  if (link.kind === "closed") throw json({ reason: link.reason }, { status: 410 });
  const application = link.application;
  const [customer, merchant, job] = await Promise.all([
    database.db.query.customers.findFirst({ where: eq(customers.id, application.customerId) }),
    database.db.query.merchants.findFirst({ where: eq(merchants.id, application.merchantId) }),
    database.db.query.serviceJobs.findFirst({
      where: eq(serviceJobs.id, application.serviceJobId),
    }),
  ]);
  if (!customer || !merchant || !job) throw new Response("Not Found", { status: 404 });
  const state: JourneyState = {
    status: application.status,
    completedStep: (application.step as FormStep | null) ?? null,
  };
  if (!mayVisit(page, state)) throw redirect(pagePath(token!, currentPage(state)));
  return { database, token: token!, application, customer, merchant, job, state };
}

/**
 * Public forms: a honeypot field real people never see or fill, and rate limits — per client
 * address (BORROWER_RATE_LIMIT_PER_MINUTE; several households can share one) and 30 posts a
 * minute per link (a person fills a form in seconds, not milliseconds). A refusal is a plain
 * 429/400 with nothing written.
 */
export async function guardPublicForm(request: Request, form: FormData) {
  if (String(form.get("website") ?? "") !== "") throw new Response("Bad Request", { status: 400 });
  const limiters = singleton("borrowerLimiters", () => ({
    byIp: createRateLimiter("borrower", getEnv().BORROWER_RATE_LIMIT_PER_MINUTE),
    byLink: createRateLimiter("borrower", 30),
  }));
  const { ip } = clientInfo(request);
  const token = new URL(request.url).pathname.split("/")[2] ?? "";
  let result = await limiters.byIp.consume(`borrower:${ip ?? "unknown"}`);
  if (result.allowed) result = await limiters.byLink.consume(`link:${token}`);
  if (!result.allowed) {
    throw new Response("Too many attempts. Please wait a minute and try again.", {
      status: 429,
      headers: { "Retry-After": result.headers["Retry-After"] ?? "60" },
    });
  }
}

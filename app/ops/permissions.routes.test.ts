/**
 * Least privilege (ADR 082): each role × each FlowOps page and each section of the application
 * file, through the real loaders — allowed (and the data is in what the loader returns, i.e. what
 * the page receives) or refused with 403 / absent from the returned data altogether. The expected
 * matrix is written out here, not derived from permissions.ts, so a change of a role's
 * permissions that widens what it sees fails this test. Last, the page as the built server sends
 * it (needs a build, FLOWPAY_BUILD_DIR, as the other server tests): markup and embedded data.
 */
import { appDatabase, createMerchant } from "~/scripts/testing/app-harness";
import { callOps, signedInOperator, statusOf } from "~/scripts/testing/ops-harness";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { customers, applications, type OperatorRole } from "~/db/schema/index";
import { decide } from "~/app/decisioning/decide.server";
import { makeDecidable, openApplication } from "~/app/lending/test-helpers";
import * as dashboardRoute from "~/app/routes/ops._index";
import * as detailRoute from "~/app/routes/ops.applications.$applicationId";
import * as listRoute from "~/app/routes/ops.applications._index";
import * as auditRoute from "~/app/routes/ops.audit";
import * as jobsRoute from "~/app/routes/ops.jobs";
import * as merchantsRoute from "~/app/routes/ops.merchants._index";
import * as pricingRoute from "~/app/routes/ops.pricing";
import * as reconciliationRoute from "~/app/routes/ops.reconciliation._index";
import * as reviewRoute from "~/app/routes/ops.reviews.$reviewId";
import * as queueRoute from "~/app/routes/ops.reviews._index";
import * as rulesRoute from "~/app/routes/ops.rules";
import * as usersRoute from "~/app/routes/ops.users._index";
import { getCipher } from "~/app/security/encryption.server";
import { operatorRoles } from "./permissions";

const roles = ["admin", "underwriter", "risk_analyst", "support"] as const;
type Role = (typeof roles)[number];
const only = (...allowed: Role[]) => Object.fromEntries(roles.map((r) => [r, allowed.includes(r)]));
const everyone = only(...roles);

/** Pages: who gets 200; everyone else 403. */
const pages: [string, Parameters<typeof callOps>[0], string, Record<string, boolean>][] = [
  ["dashboard", dashboardRoute, "/ops", everyone],
  ["applications list", listRoute, "/ops/applications", everyone],
  ["review queue", queueRoute, "/ops/reviews", only("admin", "underwriter", "risk_analyst")],
  ["rules", rulesRoute, "/ops/rules", only("admin", "underwriter", "risk_analyst")],
  ["pricing", pricingRoute, "/ops/pricing", only("admin", "underwriter", "risk_analyst")],
  ["merchants", merchantsRoute, "/ops/merchants", everyone],
  [
    "reconciliation",
    reconciliationRoute,
    "/ops/reconciliation",
    only("admin", "risk_analyst", "support"),
  ],
  ["jobs", jobsRoute, "/ops/jobs", only("admin", "risk_analyst", "support")],
  ["audit log", auditRoute, "/ops/audit", only("admin")],
  ["users", usersRoute, "/ops/users", only("admin")],
];

/** The application file's sections: who receives each (support: status, contact, timeline). */
const sections: Record<string, Record<string, boolean>> = {
  status: everyone,
  contact: everyone,
  timeline: everyone,
  "decision outcome": everyone,
  "decision internals (score, credit report, rules, reasons, offers' pricing)": only(
    "admin",
    "underwriter",
    "risk_analyst",
  ),
  "stated income and housing cost": only("admin", "underwriter", "risk_analyst"),
  "manual review's reason": only("admin", "underwriter", "risk_analyst"),
  "reveal SSN / date of birth": only("admin", "underwriter"),
  "manual review page": only("admin", "underwriter", "risk_analyst"),
};

type Signed = Awaited<ReturnType<typeof signedInOperator>>;
const operators = {} as Record<Role, Signed>;
let applicationId = "";
let reviewId = "";

beforeAll(async () => {
  expect([...operatorRoles].sort()).toEqual([...roles].sort());
  for (const role of roles) operators[role] = await signedInOperator(role as OperatorRole);
  const merchant = await createMerchant();
  const opened = await openApplication(merchant.key, {
    crmCustomerId: "71001",
    crmJobId: "72001",
    lastName: "Matrix",
  });
  applicationId = opened.applicationId;
  await makeDecidable(applicationId);
  // SSN …1111: the sandbox bureau's thin file, so the engine sends it to manual review — a
  // decision with a score, a credit report, rules and a review reason.
  const database = await appDatabase();
  const app = await database.db.query.applications.findFirst({
    where: eq(applications.id, applicationId),
  });
  await database.write((tx) =>
    tx
      .update(customers)
      .set({ ssnEnc: getCipher().encrypt("666121111", "customers.ssn"), ssnLast4: "1111" })
      .where(eq(customers.id, app!.customerId)),
  );
  const outcome = await decide(database, applicationId);
  expect(outcome.status).toBe("manual_review");
  reviewId = outcome.manualReviewId!;
});

type Detail = Awaited<ReturnType<typeof detailRoute.loader>>;

/** What each section looks like in what the loader returned (the page's data, serialized). */
function sectionsIn(page: Detail, json: string): Record<string, boolean> {
  const d = page.detail;
  const decision = d.decisions[0];
  return {
    status: d.application.status === "manual_review",
    contact: d.customer.phone === "+15125550142" && d.customer.name === "Dana Matrix",
    timeline: d.timeline.length > 0,
    "decision outcome": d.outcomes[0]?.status === "manual_review",
    "decision internals (score, credit report, rules, reasons, offers' pricing)":
      Boolean(decision?.score && decision.credit && decision.rules.length > 0) &&
      /Experian report/.test(json) &&
      /thin_file/.test(json),
    "stated income and housing cost": d.application.monthlyIncomeCents === 600_000,
    "manual review's reason": Boolean(d.reviews[0]?.reason),
    "reveal SSN / date of birth": page.canReveal,
  };
}

describe("least privilege: role × page", () => {
  for (const [name, route, path, allowed] of pages) {
    it(`${name}: ${Object.entries(allowed)
      .map(([r, ok]) => `${r} ${ok ? "200" : "403"}`)
      .join(", ")}`, async () => {
      for (const role of roles) {
        const result = await callOps(route, { path, cookie: operators[role].cookie });
        expect(statusOf(result), `${role} on ${path}`).toBe(allowed[role] ? 200 : 403);
      }
    });
  }
});

describe("least privilege: role × section of an application's file", () => {
  it("each role receives exactly its sections; withheld data is not in the page's data at all", async () => {
    for (const role of roles) {
      const page = (await callOps(detailRoute, {
        path: `/ops/applications/${applicationId}`,
        params: { applicationId },
        cookie: operators[role].cookie,
      })) as Detail;
      expect(statusOf(page), role).toBe(200);
      // What Remix serializes to the browser: the loader's data as JSON.
      const json = JSON.stringify(page);
      const seen = sectionsIn(page, json);
      const review = await callOps(reviewRoute, {
        path: `/ops/reviews/${reviewId}`,
        params: { reviewId },
        cookie: operators[role].cookie,
      });
      seen["manual review page"] = statusOf(review) === 200;
      const expected = Object.fromEntries(Object.entries(sections).map(([s, w]) => [s, w[role]]));
      expect(seen, role).toEqual(expected);
      if (!expected["stated income and housing cost"]) {
        // Not hidden: absent. No score, bureau, rule, reason or income anywhere in the data.
        for (const withheld of [
          /"score"/,
          /Experian/,
          /thin_file/,
          /"rules"/,
          /600000/,
          /150000/,
          /"noteRate"/,
        ]) {
          expect(json, `${role}: ${withheld}`).not.toMatch(withheld);
        }
      }
    }
  });

  it("the reveal action refuses a role without reveal:pii (403), whatever the page showed", async () => {
    for (const role of roles) {
      const result = await callOps(detailRoute, {
        path: `/ops/applications/${applicationId}`,
        params: { applicationId },
        cookie: operators[role].cookie,
        form: { field: "ssn", reason: "Ticket 4711: borrower asked" },
      });
      expect(statusOf(result), role).toBe(
        sections["reveal SSN / date of birth"]![role] ? 200 : 403,
      );
    }
  });
});

describe("least privilege in the HTML the built server sends", () => {
  it("support's page has status, contact, outcome and timeline, and no evidence anywhere in it", async () => {
    // The built server (FLOWPAY_BUILD_DIR, as the other server tests) on this test's database:
    // the page as a browser receives it, markup and the embedded loader data together.
    const { spawnServer } = await import("~/scripts/testing/spawn-server");
    const server = await spawnServer({ dataDir: process.env.DATA_DIR! });
    try {
      const html = async (role: Role) => {
        const response = await fetch(`${server.url}/ops/applications/${applicationId}`, {
          headers: { cookie: operators[role].cookie },
          redirect: "manual",
        });
        expect(response.status, role).toBe(200);
        return response.text();
      };
      const support = await html("support");
      for (const shown of ["Manual review", "Dana Matrix", "+15125550142", "Timeline"]) {
        expect(support, shown).toContain(shown);
      }
      // React separates text parts with comments in server-rendered HTML.
      expect(support).toMatch(/Sent to manual review(<!-- -->)* — (<!-- -->)*decision engine/);
      for (const withheld of [
        "Score parts",
        "Credit report",
        "Rule results",
        "Experian",
        "thin_file",
        "Monthly income",
        "$6,000.00",
      ]) {
        expect(support, withheld).not.toContain(withheld);
      }
      const underwriter = await html("underwriter");
      for (const shown of ["Score parts", "Credit report", "Rule results", "$6,000.00"]) {
        expect(underwriter, shown).toContain(shown);
      }
    } finally {
      await server.stop();
    }
  });
});

/**
 * Issue 13 item 18, the borrower's side: every borrower form posted with a link token that does
 * not exist or is malformed answers 404 with a page, never 500 (expired and revoked links, 410,
 * are covered by the journey tests).
 */
import { appDatabase } from "~/scripts/testing/app-harness";
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { callOps, statusOf } from "~/scripts/testing/ops-harness";

const routes = {
  "apply.$token._index": await import("~/app/routes/apply.$token._index"),
  "apply.$token.details": await import("~/app/routes/apply.$token.details"),
  "apply.$token.consents": await import("~/app/routes/apply.$token.consents"),
  "apply.$token.bank": await import("~/app/routes/apply.$token.bank"),
  "apply.$token.identity": await import("~/app/routes/apply.$token.identity"),
  "apply.$token.review": await import("~/app/routes/apply.$token.review"),
  "apply.$token.sign": await import("~/app/routes/apply.$token.sign"),
  "apply.$token.conditions": await import("~/app/routes/apply.$token.conditions"),
};

describe("borrower forms with an unknown or malformed link", () => {
  it("answer 404 with a page, never 500", async () => {
    await appDatabase(); // migrated
    const answers: string[] = [];
    for (const [name, route] of Object.entries(routes)) {
      for (const token of [randomBytes(32).toString("base64url"), "..%2F..%2Fx'\"<>"]) {
        const step = name.split(".").pop() === "_index" ? "" : `/${name.split(".").pop()}`;
        let status: number;
        let body = "";
        try {
          const result = await callOps(route, {
            path: `/apply/${encodeURIComponent(token)}${step}`,
            params: { token },
            form: { website: "" },
          });
          status = statusOf(result);
          if (result instanceof Response) body = await result.text();
        } catch (error) {
          status = 500;
          body = String(error);
        }
        answers.push(`${name} ${token.slice(0, 8)}…: ${status} ${body.slice(0, 40)}`);
        if (status !== 404) console.log(name, status, body.slice(0, 300));
        expect([name, status, body.length > 0]).toEqual([name, 404, true]);
      }
    }
    expect(answers).toHaveLength(16);
  });
});

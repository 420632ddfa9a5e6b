import { appDatabase } from "~/scripts/testing/app-harness";
import { callOps, signedInOperator } from "~/scripts/testing/ops-harness";
import { beforeAll, describe, expect, it } from "vitest";
import { currentTotp } from "~/app/security/totp.server";
import * as enrollRoute from "~/app/routes/ops.enroll";
import * as loginRoute from "~/app/routes/ops.login";
import * as verifyRoute from "~/app/routes/ops.verify";
import { createOperator, inviteOperator } from "./operators.server";

/**
 * Every `next` of the sign-in pages (login → verify or enroll → FlowOps) ends on our origin under
 * /ops, whatever encoding it arrives in (ADR 020).
 */
const password = "a long and correct password";
let n = 0;

beforeAll(async () => {
  await appDatabase();
});

const attacks = [
  "/ops/../\\evil.example",
  "/ops/..//evil.example",
  "/ops/%2e%2e/%2e%2e//evil.example",
  "/\t/evil.example",
  "//evil.example",
  "https://evil.example/ops",
  "javascript:alert(1)",
];

function location(result: unknown) {
  expect(result).toBeInstanceOf(Response);
  const response = result as Response;
  expect(response.status).toBe(302);
  return response.headers.get("location")!;
}

/** Where the browser goes for a Location header (resolved as browsers do). */
function lands(loc: string) {
  const url = new URL(loc, "https://flowpay.test/ops/verify");
  return { origin: url.origin, path: url.pathname };
}

describe("next after sign-in", () => {
  for (const attack of attacks) {
    it(`login + TOTP with next=${JSON.stringify(attack)} lands on /ops`, async () => {
      n += 1;
      const op = await createOperator(await appDatabase(), {
        email: `redirect.${n}.${Date.now().toString(36)}@flowpay.test`,
        role: "support",
        password,
        actor: { actorType: "system" },
      });
      const login = await callOps(loginRoute, {
        path: `/ops/login?next=${encodeURIComponent(attack)}`,
        form: { email: op.email, password },
      });
      const toVerify = location(login);
      expect(toVerify).toBe("/ops/verify?next=%2Fops");
      const cookie = (login as Response).headers.get("set-cookie")!.split(";")[0]!;
      // Even if the attacker sends the verify step its own next, it is resolved and refused.
      const verify = await callOps(verifyRoute, {
        path: `/ops/verify?next=${encodeURIComponent(attack)}`,
        cookie,
        form: { intent: "totp", code: await currentTotp(op.totpSecret) },
      });
      expect(lands(location(verify))).toEqual({ origin: "https://flowpay.test", path: "/ops" });
    });
  }

  it("a signed-in operator visiting /ops/verify with the reported next is sent to /ops", async () => {
    const op = await signedInOperator("support");
    for (const attack of attacks) {
      const result = await callOps(verifyRoute, {
        path: `/ops/verify?next=${encodeURIComponent(attack)}`,
        cookie: op.cookie,
      });
      expect(location(result)).toBe("/ops");
    }
    // The raw query string of the report, not re-encoded by us.
    const raw = await callOps(verifyRoute, {
      path: "/ops/verify?next=%2Fops%2F..%2F%5Cevil.example",
      cookie: op.cookie,
    });
    expect(location(raw)).toBe("/ops");
    const good = await callOps(verifyRoute, {
      path: `/ops/verify?next=${encodeURIComponent("/ops/applications?status=review")}`,
      cookie: op.cookie,
    });
    expect(location(good)).toBe("/ops/applications?status=review");
  });

  it("enrollment passes on only a safe next", async () => {
    n += 1;
    const op = await inviteOperator(await appDatabase(), {
      email: `redirect.enroll.${n}.${Date.now().toString(36)}@flowpay.test`,
      role: "support",
      password,
      actor: { actorType: "system" },
    });
    const login = await callOps(loginRoute, {
      path: `/ops/login`,
      form: { email: op.email, password },
    });
    expect(location(login)).toBe("/ops/enroll?next=%2Fops");
    const cookie = (login as Response).headers.get("set-cookie")!.split(";")[0]!;
    const page = (await callOps(enrollRoute, {
      path: `/ops/enroll?next=${encodeURIComponent("/ops/..//evil.example")}`,
      cookie,
    })) as { next: string };
    expect(page.next).toBe("/ops");
  });
});

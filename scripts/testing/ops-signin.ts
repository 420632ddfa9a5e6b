import { generate } from "otplib";
import { expect } from "vitest";
import { demo } from "~/app/demo/seed.server";

const sessions = new Map<string, Promise<string>>();

/**
 * Signs the demo operator in to a running server with password then TOTP, as a browser without
 * JavaScript would, and returns the session cookie. Once per server: a TOTP code is refused a
 * second time (RFC 6238 §5.2), so later callers share the first session.
 */
export function signInDemoOperator(base: string): Promise<string> {
  if (!sessions.has(base)) sessions.set(base, signInOnce(base));
  return sessions.get(base)!;
}

async function signInOnce(base: string) {
  // Browsers send Origin with every form post; FlowOps refuses posts without a same-site one.
  const login = await fetch(`${base}/ops/login`, {
    method: "POST",
    headers: { origin: base },
    body: new URLSearchParams({ email: demo.operatorEmail, password: demo.operatorPassword }),
    redirect: "manual",
  });
  expect(login.status).toBe(302);
  const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
  const verify = await fetch(`${base}/ops/verify`, {
    method: "POST",
    headers: { cookie, origin: base },
    body: new URLSearchParams({ code: await generate({ secret: demo.operatorTotpSecret }) }),
    redirect: "manual",
  });
  expect(verify.status).toBe(302);
  expect(verify.headers.get("location")).toBe("/ops");
  return cookie;
}

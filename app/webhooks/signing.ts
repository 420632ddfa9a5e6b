import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * `FlowPay-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`
 * (docs/product/merchants-and-money.md, "Outbound webhooks"): the same scheme as the lender's
 * webhooks to us (docs/product/api.md), so a receiver can refuse replays by `t`.
 */
export function signatureHeader(secret: string, body: string, unixSeconds: number): string {
  const v1 = createHmac("sha256", secret).update(`${unixSeconds}.${body}`).digest("hex");
  return `t=${unixSeconds},v1=${v1}`;
}

/**
 * What a receiver does (the /docs/api example is this function in plain Node): the signature
 * must match the raw body and `t` must be within `toleranceSeconds` of now.
 */
export function verifySignature(
  secret: string,
  header: string | null,
  body: string,
  nowSeconds = Math.floor(Date.now() / 1000),
  toleranceSeconds = 300,
): boolean {
  if (!header) return false;
  const parts = new Map(
    header.split(",").map((part) => {
      const at = part.indexOf("=");
      return [part.slice(0, at).trim(), part.slice(at + 1).trim()] as const;
    }),
  );
  const t = Number(parts.get("t"));
  const v1 = parts.get("v1") ?? "";
  if (!Number.isInteger(t) || Math.abs(nowSeconds - t) > toleranceSeconds) return false;
  const expected = createHmac("sha256", secret).update(`${t}.${body}`).digest();
  const given = Buffer.from(v1, "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The verification example /docs/api shows (Node, no dependencies). */
export const verificationExample = `import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";

const secret = process.env.FLOWPAY_WEBHOOK_SECRET; // whsec_…, shown once at creation
const seen = new Set(); // use your database: an event may arrive more than once

createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const body = Buffer.concat(chunks).toString("utf8"); // the raw body, before JSON.parse
    const header = req.headers["flowpay-signature"] ?? "";
    const parts = Object.fromEntries(header.split(",").map((p) => p.split("=", 2)));
    const t = Number(parts.t);
    const expected = createHmac("sha256", secret).update(\`\${t}.\${body}\`).digest();
    const given = Buffer.from(parts.v1 ?? "", "hex");
    const fresh = Math.abs(Date.now() / 1000 - t) <= 300;
    if (!fresh || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      res.writeHead(400).end();
      return;
    }
    const event = JSON.parse(body);
    if (!seen.has(event.id)) {
      seen.add(event.id); // FlowPay-Event-Id is the same on every retry
      console.log(event.type, event.data.application?.application_id);
    }
    res.writeHead(200).end(); // any 2xx within 10 s; anything else is retried
  });
}).listen(4000);`;

/**
 * Test helpers for the lender adapter (tests only): a webhook receiver like the app's
 * `/api/v1/webhooks/lender/{lender}` route, and a polling wait.
 */
import { createServer, type Server } from "node:http";
import { type AddressInfo } from "node:net";
import { type CreateLoanInput } from "./types";

export type ReceivedWebhook = {
  path: string;
  rawBody: string;
  signature: string | null;
  /** What the receiver answered. */
  status: number;
};

export type WebhookReceiver = {
  /** Base URL; deliver to `${url}/api/v1/webhooks/lender/mock`. */
  url: string;
  received: ReceivedWebhook[];
  /** The statuses to answer next, in order (then 200). */
  answerNext(...statuses: number[]): void;
  close(): Promise<void>;
};

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const answers: number[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const header = req.headers["x-lender-signature"];
      const status = answers.shift() ?? 200;
      received.push({
        path: req.url ?? "/",
        rawBody: Buffer.concat(chunks).toString("utf8"),
        signature: typeof header === "string" ? header : null,
        status,
      });
      res.writeHead(status, { "Content-Type": "text/plain" }).end(status < 300 ? "ok" : "no");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    answerNext: (...statuses) => void answers.push(...statuses),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Polls `check` until it is truthy (fails after `timeoutMs`; not a timing assertion). */
export async function waitFor<T>(check: () => T, timeoutMs = 10_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error("waitFor: condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function loanInput(overrides: Partial<CreateLoanInput> = {}): CreateLoanInput {
  return {
    idempotencyKey: "loan_1:create",
    applicationId: "app_1",
    loanId: "loan_1",
    merchantId: "mer_1",
    principalCents: 750_000,
    amountFinancedCents: 750_000,
    termMonths: 36,
    apr: "9.99",
    noteRate: "9.99",
    monthlyPaymentCents: 24_197,
    firstPaymentDate: "2026-12-30",
    borrower: { firstName: "John", lastName: "Doe", state: "TX" },
    ...overrides,
  };
}

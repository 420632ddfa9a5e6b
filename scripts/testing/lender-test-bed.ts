/**
 * Tests only: our lender webhook route served on a local HTTP server (its URL becomes APP_URL)
 * and a real mock lender (HTTP, idempotency keys) that POSTs its signed events there — the
 * funding tests' test bed. Await it BEFORE importing scripts/testing/app-harness: the
 * configuration reads APP_URL and LENDER_MOCK_* once.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { startMockLender, type MockLenderOptions } from "~/adapters/lender/index";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any route module
type Route = { action?: (args: any) => unknown };
const webhookRoute = () => import("~/app/routes/api.v1.webhooks.lender.$lender") as Promise<Route>;

export async function startLenderTestBed(
  options: Pick<MockLenderOptions, "apiKey" | "webhookSecret" | "fundingDelayMs" | "log"> & {
    /** Hold the lender's events back until `lender.setWebhookUrl(bed.webhookUrl)`. */
    holdWebhooks?: boolean;
  },
) {
  const appServer = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", async () => {
      const match = /^\/api\/v1\/webhooks\/lender\/([^/?]+)$/.exec(req.url ?? "");
      if (!match) return res.writeHead(404).end();
      const request = new Request(`${process.env.APP_URL}${req.url}`, {
        method: req.method,
        headers: req.headers as Record<string, string>,
        body,
      });
      const response = (await (
        await webhookRoute()
      ).action!({ request, params: { lender: match[1] }, context: {} })) as Response;
      res
        .writeHead(response.status, Object.fromEntries(response.headers))
        .end(await response.text());
    });
  });
  await new Promise<void>((resolve) => appServer.listen(0, "127.0.0.1", resolve));
  process.env.APP_URL = `http://127.0.0.1:${(appServer.address() as AddressInfo).port}`;
  const webhookUrl = `${process.env.APP_URL}/api/v1/webhooks/lender/mock`;
  const lender = await startMockLender({
    ...options,
    webhookUrl: options.holdWebhooks ? null : webhookUrl,
    webhookRetryDelayMs: 50,
  });
  process.env.LENDER_MOCK_URL = lender.url;
  process.env.LENDER_MOCK_API_KEY = options.apiKey;
  process.env.LENDER_MOCK_WEBHOOK_SECRET = options.webhookSecret;
  return {
    lender,
    webhookUrl,
    async close() {
      await lender.close();
      await new Promise((resolve) => appServer.close(resolve));
    },
  };
}

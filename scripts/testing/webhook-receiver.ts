import { createServer, type Server } from "node:http";
import { verifySignature } from "~/app/webhooks/signing";

export type ReceivedEvent = {
  id: string;
  type: string;
  applicationId: string | null;
  headerId: string | null;
  verified: boolean;
  receivedAt: number;
  createdAt: number;
  body: string;
};

/**
 * A local webhook receiver for tests and the benchmark: verifies each delivery's signature with
 * the endpoint's secret, records it, and dedupes by event id as a real receiver must (delivery is
 * at least once). `answer` decides the status code (default 200).
 */
export async function startWebhookReceiver(
  options: {
    port?: number;
    answer?: (event: ReceivedEvent, n: number) => number;
    /** Hold every answer this long (a delivery "in flight" for the kill -9 test). */
    delayMs?: number;
  } = {},
) {
  let secret = "";
  const all: ReceivedEvent[] = [];
  const unique = new Map<string, ReceivedEvent>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      let parsed: {
        id?: string;
        type?: string;
        created_at?: string;
        data?: { application?: { application_id?: string } | null };
      } = {};
      try {
        parsed = JSON.parse(body);
      } catch {
        /* recorded as unverified below */
      }
      const header = req.headers["flowpay-signature"];
      const event: ReceivedEvent = {
        id: parsed.id ?? "",
        type: parsed.type ?? "",
        applicationId: parsed.data?.application?.application_id ?? null,
        headerId: (req.headers["flowpay-event-id"] as string | undefined) ?? null,
        verified: verifySignature(secret, typeof header === "string" ? header : null, body),
        receivedAt: Date.now(),
        createdAt: parsed.created_at ? Date.parse(parsed.created_at) : NaN,
        body,
      };
      all.push(event);
      const status = options.answer ? options.answer(event, all.length) : 200;
      if (status >= 200 && status < 300 && event.verified && !unique.has(event.id)) {
        unique.set(event.id, event);
      }
      const reply = () => res.writeHead(status, { "Content-Type": "text/plain" }).end("ok");
      if (options.delayMs) setTimeout(reply, options.delayMs);
      else reply();
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    port,
    setSecret(value: string) {
      secret = value;
    },
    /** Every request, duplicates included. */
    all,
    /** Accepted events, once per event id (what a receiver that dedupes processes). */
    unique,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

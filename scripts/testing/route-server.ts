/**
 * Serves some route modules' actions on a local HTTP server (127.0.0.1, a free port), so that a
 * partner's fake server can POST its webhooks to them, as the partner would to our public URL.
 * Set APP_URL to `url` before the app reads its configuration (the signatures some partners
 * compute cover the URL). Route modules are imported on first use, after that.
 */
import { createServer } from "node:http";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the action of any route module
type RouteModule = { action?: (args: any) => unknown };

export async function startRouteServer(
  routes: Record<string, () => Promise<RouteModule>>,
  /** The route params of a path, e.g. `{ lender: "mock" }` for `/api/v1/webhooks/lender/mock`. */
  params: Record<string, Record<string, string>> = {},
) {
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", async () => {
      const path = (req.url ?? "").split("?")[0]!;
      const load = routes[path];
      if (!load) return res.writeHead(404).end();
      const request = new Request(`${process.env.APP_URL}${req.url}`, {
        method: req.method,
        headers: req.headers as Record<string, string>,
        body,
      });
      const response = (await (
        await load()
      ).action!({ request, params: params[path] ?? {}, context: {} })) as Response;
      res
        .writeHead(response.status, Object.fromEntries(response.headers))
        .end(await response.text());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

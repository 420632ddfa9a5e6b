/**
 * FlowPay on Deno's own HTTP server: `deno run --unstable-no-legacy-abort … scripts/deno/serve.ts
 * build/index.js` (`npm run start:deno` runs it with narrow permissions; see denoServeArgs in
 * scripts/deno/command.ts). `--unstable-no-legacy-abort`: without it Deno aborts every request's
 * signal once its response is sent, and React's stream renderer, listening on it, then fails to
 * close a stream that is already closed (an error log per page). The same server build as on Node, served
 * by `Deno.serve` and Remix's web-standard request handler instead of remix-serve and Express
 * (≈3× the requests a second here, ADR 045). Importing the build boots FlowPay exactly as on Node:
 * configuration checks, migrations, the job runner, the SIGTERM handler. The build's entry module
 * gives the observability wrapper, so headers, request ids, logs, metrics and the Origin policy
 * are the same code on both runtimes.
 */
import { remixMounts, serveStatic } from "./static-files.ts";

declare const Deno: {
  args: string[];
  cwd(): string;
  env: { get(name: string): string | undefined; set(name: string, value: string): void };
  serve(
    options: {
      hostname: string;
      port: number;
      onListen?: (addr: { hostname: string; port: number }) => void;
    },
    handler: (request: Request, info: { remoteAddr: { hostname: string } }) => Promise<Response>,
  ): { shutdown(): Promise<void>; finished: Promise<void> };
  addSignalListener(signal: "SIGTERM" | "SIGINT", handler: () => void): void;
};

// Production React and Remix whatever the shell says (as `npm start` does for remix-serve): under
// Deno, react-dom/server otherwise loads its development build. Set before anything is imported.
Deno.env.set("NODE_ENV", "production");
const { createRequestHandler } = await import("@remix-run/server-runtime");
const buildPath = Deno.args[0] ?? "build/index.js";
const build = await import(new URL(buildPath, `file://${Deno.cwd()}/`).href);
const observeFetch = build.entry.module.observeFetch as (
  handler: (request: Request) => Promise<Response>,
) => (request: Request, remoteAddress?: string) => Promise<Response>;

const mounts = remixMounts(build);
const remix = createRequestHandler(build, "production");
const handle = observeFetch(
  async (request) => (await serveStatic(request, mounts)) ?? remix(request),
);

const hostname = Deno.env.get("HOST") ?? "127.0.0.1";
const port = Number(Deno.env.get("PORT") ?? 3000);
// Requests whose handler has not returned yet (it may still be reading the request's body).
let active = 0;
const server = Deno.serve(
  {
    hostname,
    port,
    onListen: (addr) =>
      console.log(`[flowpay] Deno server listening on http://${addr.hostname}:${addr.port}`),
  },
  async (request, info) => {
    active++;
    try {
      return await handle(request, info.remoteAddr.hostname);
    } finally {
      active--;
    }
  },
);

// On SIGTERM/SIGINT FlowPay's own handler (installed by the build's boot) stops the job runner,
// waits for in-flight requests, closes the database and exits — as under remix-serve. Deno's
// `server.shutdown()` cuts the body of a request still being uploaded ("Cannot read body as
// underlying resource unavailable": a 500 for a slow client), so it waits until no handler is
// running; meanwhile every response asks its client to close the connection (stopKeepAlive).
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  Deno.addSignalListener(signal, () => {
    void (async () => {
      while (active > 0) await new Promise((resolve) => setTimeout(resolve, 20));
      await server.shutdown();
    })();
  });
}

import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { denoServeArgs } from "~/scripts/deno/command";

export type RunningServer = {
  url: string;
  port: number;
  dataDir: string;
  process: ChildProcess;
  /** Everything the process printed so far (stdout + stderr). */
  output: () => string;
  /** Resolves with the exit code (or signal) once the process ends. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(signal?: NodeJS.Signals): Promise<void>;
};

const root = resolve(import.meta.dirname, "../..");

/**
 * A free loopback port below Linux's ephemeral range (32768–60999). Not port 0's pick: a server
 * started on an ephemeral port races its own children — the embedded mock lender, any outgoing
 * connection — for that very number between this check and its listen (seen: EADDRINUSE when the
 * mock lender, listening on port 0, was given the port chosen for the server).
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolveFree) => {
      const server = createServer();
      server.once("error", () => resolveFree(false));
      server.listen(port, "127.0.0.1", () => server.close(() => resolveFree(true)));
    });
    if (free) return port;
    if (attempt > 50) throw new Error("no free loopback port below the ephemeral range");
  }
}

/**
 * Starts the *built* server (build/index.js under remix-serve, as production runs it) on a free
 * loopback port with its own data directory, and waits for /ready unless told not to.
 */
export async function spawnServer(
  options: {
    env?: Record<string, string>;
    dataDir?: string;
    waitReady?: boolean;
    /** Run as this user (tests run as root, whom file permissions do not stop). */
    uid?: number;
    /** `deno`: the same build on Deno's own server (scripts/deno/serve.ts, narrow permissions). */
    runtime?: "node" | "deno";
    gid?: number;
    /** A fixed port (a bench given its own ports); a free one otherwise. */
    port?: number;
  } = {},
): Promise<RunningServer> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "flowpay-server-"));
  const port = options.port ?? (await freePort());
  let output = "";
  const serverBuild = `${process.env.FLOWPAY_BUILD_DIR ?? "build"}/index.js`;
  const deno = options.runtime === "deno";
  const child = spawn(
    join(root, deno ? "node_modules/.bin/deno" : "node_modules/.bin/remix-serve"),
    deno ? denoServeArgs({ dataDir, host: "127.0.0.1", serverBuild }) : [serverBuild],
    {
      cwd: root,
      env: {
        ...process.env,
        FLOWPAY_ENV: "test",
        LOG_LEVEL: "info",
        HOST: "127.0.0.1",
        PORT: String(port),
        DATA_DIR: dataDir,
        DATABASE_URL: `file:${join(dataDir, "flowpay.db")}`,
        ...options.env,
      },
      stdio: ["ignore", "pipe", "pipe"],
      ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.gid ?? options.uid }),
    },
  );
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once("exit", (code, signal) => done({ code, signal })),
  );
  const url = `http://127.0.0.1:${port}`;
  const server: RunningServer = {
    url,
    port,
    dataDir,
    process: child,
    output: () => output,
    exited,
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
  if (options.waitReady === false) return server;
  const deadline = Date.now() + 30_000;
  let exitedEarly = false;
  void exited.then(() => (exitedEarly = true));
  while (Date.now() < deadline && !exitedEarly) {
    try {
      if ((await fetch(`${url}/ready`)).ok) return server;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await server.stop("SIGKILL");
  throw new Error(`server did not become ready:\n${output}`);
}

/**
 * Starts `flowpay jobs work` (the separate job worker, README "Deploying") on a running server's
 * database: node itself with tsx's loader, so SIGTERM reaches the process that handles it. (The
 * tsx command runs a second process and relays signals; a SIGTERM soon after start could find it
 * not yet told that its child handles SIGTERM, and it then died with the signal: exit 143.)
 */
export function spawnJobWorker(
  server: Pick<RunningServer, "dataDir">,
  options: { quiet?: boolean } = {},
) {
  return spawn(process.execPath, ["--import", "tsx", "scripts/cli.ts", "jobs", "work"], {
    cwd: root,
    stdio: options.quiet ? "ignore" : "pipe",
    env: {
      ...process.env,
      FLOWPAY_ENV: "test",
      LOG_LEVEL: "warn",
      DATA_DIR: server.dataDir,
      DATABASE_URL: `file:${join(server.dataDir, "flowpay.db")}`,
    },
  });
}

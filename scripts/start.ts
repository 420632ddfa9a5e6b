/**
 * `npm start`: the one command that runs FlowPay on a fresh clone.
 * Builds when the build is missing, older than the sources or not a production build, then
 * serves with remix-serve (or Deno with --deno). Both always run with NODE_ENV=production,
 * whatever the shell says: remix-serve under NODE_ENV=development waits for `remix dev` ("Dev
 * server origin not set"), and a development build served by production React answers every
 * page with 500 ("jsxDEV is not a function"). `npm run dev` is the development server. The server itself validates configuration, migrates the database and
 * seeds the demo before it listens; this script waits for /ready and prints where to go.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, parseEnv } from "~/app/config/env.server";
import { denoServeArgs } from "./deno/command";
import { demo } from "~/app/demo/seed.server";
import { demoMerchantOwner } from "~/app/merchant/demo.server";
import { currentTotp } from "~/app/security/totp.server";

const root = process.cwd();
const useDeno = process.argv.includes("--deno");
// remix.config.js reads FLOWPAY_BUILD_DIR too: the build lands where this script serves it from.
const buildDir = join(root, process.env.FLOWPAY_BUILD_DIR ?? "build");
const serverBuild = join(buildDir, "index.js");
/** Written after a successful build: the mode it was made in (issue 20). */
const buildStamp = join(buildDir, "flowpay-build.json");

// The build and the server are production React whatever NODE_ENV the shell has (see above).
process.env.NODE_ENV = "production";

// The local demo is not production unless the operator says so.
process.env.FLOWPAY_ENV ??= "development";

let env;
try {
  env = parseEnv(process.env);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`FlowPay cannot start. ${error.message}`);
    process.exit(1);
  }
  throw error;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * The mode a build was made in: its stamp when the stamp is of this very build (remix writes a
 * new version.txt each time), or else — a build made by hand with `remix build` — what its
 * server bundle imports: a development build uses React's jsx-dev-runtime.
 */
function buildMode(): string {
  const version = readFileSync(join(buildDir, "version.txt"), "utf8").trim();
  try {
    const stamp = JSON.parse(readFileSync(buildStamp, "utf8"));
    if (stamp.version === version) return String(stamp.nodeEnv);
  } catch {
    // no stamp (or an unreadable one): look at the bundle
  }
  return readFileSync(serverBuild, "utf8").includes("react/jsx-dev-runtime")
    ? "development"
    : "production";
}

function needsBuild() {
  if (!existsSync(serverBuild) || !existsSync(join(buildDir, "version.txt"))) return true;
  if (buildMode() !== "production") return true;
  const sources = ["app", "db", "adapters", "jobs"].filter((d) => existsSync(join(root, d)));
  const newestSource = Math.max(...sources.map((d) => newestMtime(join(root, d))));
  return newestSource > statSync(serverBuild).mtimeMs;
}

function run(command: string, args: string[]) {
  return new Promise<void>((resolve, reject) => {
    const child = spawn(command, args, { stdio: "inherit" });
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} exited with ${code}`)),
    );
  });
}

if (needsBuild()) {
  console.log("Building FlowPay…");
  await run(join(root, "node_modules/.bin/remix"), ["build"]);
  const version = readFileSync(join(buildDir, "version.txt"), "utf8").trim();
  writeFileSync(buildStamp, JSON.stringify({ nodeEnv: "production", version }) + "\n");
}

// Deno serves the same build with its own HTTP server (scripts/deno/serve.ts, ADR 045).
const serveArgs = useDeno
  ? denoServeArgs({ dataDir: env.DATA_DIR, host: env.HOST, serverBuild })
  : [serverBuild];
const server = spawn(
  useDeno ? join(root, "node_modules/.bin/deno") : join(root, "node_modules/.bin/remix-serve"),
  serveArgs,
  { stdio: "inherit", env: { ...process.env, HOST: env.HOST, PORT: String(env.PORT) } },
);
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => server.kill(signal));
server.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

const base = `http://${env.HOST}:${env.PORT}`;
for (let i = 0; i < 600; i++) {
  try {
    if ((await fetch(`${base}/ready`)).ok) break;
  } catch {
    // not listening yet
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
}

const lines = [
  ``,
  `FlowPay is running at ${base}${useDeno ? " (Deno)" : ""}`,
  `  FlowOps sign-in: ${base}/ops/login`,
];
const demoOn = env.SEED_DEMO ?? env.FLOWPAY_ENV !== "production";
if (demoOn) {
  const keyFile = join(env.DATA_DIR, demo.apiKeyFile);
  lines.push(
    `    e-mail    ${demo.operatorEmail}`,
    `    password  ${demo.operatorPassword}`,
    `    TOTP      secret ${demo.operatorTotpSecret} (add it to an authenticator app)`,
    `              or run \`npm run flowpay -- demo totp\` for the current code (now ${await currentTotp(demo.operatorTotpSecret)})`,
    `    second operator (approves rule and pricing drafts, four eyes): ${demo.analystEmail},`,
    `              same password, TOTP secret ${demo.analystTotpSecret} (now ${await currentTotp(demo.analystTotpSecret)})`,
    `  Merchant portal sign-in (${demo.merchantName}): ${base}/merchant/login`,
    `    e-mail    ${demoMerchantOwner.email} (owner), then open the sign-in link it is sent:`,
    `              sandbox e-mail is on ${base}/dev/messages (signed in to FlowOps as above)`,
    `  CRM API (merchant "${demo.merchantName}", sandbox partners):`,
    `    key       ${existsSync(keyFile) ? readFileSync(keyFile, "utf8").trim() : "(see README)"}  (${keyFile})`,
    `  "As low as" widget for its web site: ${base}/widgets/as-low-as/${demo.merchantSlug}?amount_cents=750000`,
  );
}
lines.push(`  Health: ${base}/health  Ready: ${base}/ready  Metrics: ${base}/metrics`, ``);
console.log(lines.join("\n"));

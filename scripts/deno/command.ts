/**
 * The one place the Deno server's command line is written (npm start --deno, Playwright, the
 * bench, the tests): narrow permissions — read, write only the data folder, env, the network
 * only on the listening host, FFI for libSQL's native driver, sys for os facts — never `-A`.
 */
export function denoServeArgs(options: { dataDir: string; host: string; serverBuild: string }) {
  return [
    "run",
    "--unstable-no-legacy-abort",
    "--allow-read",
    `--allow-write=${options.dataDir}`,
    "--allow-env",
    `--allow-net=${options.host}`,
    "--allow-ffi",
    "--allow-sys",
    "scripts/deno/serve.ts",
    options.serverBuild,
  ];
}

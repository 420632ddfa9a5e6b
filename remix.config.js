// FLOWPAY_BUILD_DIR (default: the usual build/ and public/build/) lets several builds live side
// by side, e.g. parallel test runs; keep it inside the project so node_modules resolves.
const buildDir = process.env.FLOWPAY_BUILD_DIR;

/** @type {import('@remix-run/dev').AppConfig} */
export default {
  serverModuleFormat: "esm",
  serverPlatform: "node",
  ...(buildDir
    ? { serverBuildPath: `${buildDir}/index.js`, assetsBuildDirectory: `${buildDir}/public/build` }
    : {}),
  // Tests, fixtures and helper modules next to routes are not routes.
  ignoredRouteFiles: ["**/.*", "**/*.test.{ts,tsx}", "**/*.spec.{ts,tsx}"],
  future: {
    v3_fetcherPersist: true,
    v3_relativeSplatPath: true,
    v3_throwAbortReason: true,
    v3_lazyRouteDiscovery: true,
    v3_singleFetch: true,
  },
};

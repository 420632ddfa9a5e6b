/**
 * Every command group of `npm run flowpay`. To add one (say `jobs`), write
 * scripts/cli/jobs.ts exporting `defineGroup({ name: "jobs", summary, commands })` as its
 * default export (see ./db.ts for an example), then register it with ONE line below:
 *
 *   export { default as jobs } from "./jobs";
 *
 * The entry (scripts/cli.ts) lists and dispatches whatever this module exports.
 */
export { default as db } from "./db";
export { default as apiKey } from "./api-key";
export { default as user } from "./user";
export { default as keys } from "./keys";
export { default as demo } from "./demo";
export { default as jobs } from "./jobs";

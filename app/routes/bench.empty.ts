import { isProduction } from "~/app/config/env.server";

/**
 * An empty resource route: `npm run bench:intake` measures it as the framework's ceiling next to
 * offer-financing. Not served in production.
 */
export function loader() {
  if (isProduction()) return new Response("Not Found", { status: 404 });
  return new Response(null, { status: 204 });
}

import type { LoaderFunctionArgs } from "@remix-run/node";
import { apiError } from "~/app/api/errors.server";
import { getEnv } from "~/app/config/env.server";
import { metrics } from "~/app/observability/metrics.server";
import { safeEqual } from "~/app/security/hash.server";

/** Prometheus text format; guarded by `Authorization: Bearer $METRICS_TOKEN` when that is set. */
export async function loader({ request }: LoaderFunctionArgs) {
  const token = getEnv().METRICS_TOKEN;
  if (token) {
    const given = request.headers.get("authorization")?.replace(/^Bearer\s+/i, "") ?? "";
    if (!safeEqual(given, token))
      return apiError("unauthorized", "A valid metrics token is required");
  }
  return new Response(await metrics.registry.metrics(), {
    headers: { "Content-Type": metrics.registry.contentType, "Cache-Control": "no-store" },
  });
}

import { readiness } from "~/app/readiness.server";

/**
 * Readiness: database reachable, migrations applied, job runner alive, and the write path working
 * (a real write probe, the writer thread, free disk space — ADR 024) — else 503 naming the check.
 */
export async function loader() {
  const result = await readiness();
  return Response.json(
    { status: result.ok ? "ready" : "not_ready", checks: result.checks },
    {
      status: result.ok ? 200 : 503,
      headers: { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" },
    },
  );
}

/** Liveness: the process is up and serving. */
export function loader() {
  // The charset spelled out: Node's adapter added it to Response.json's type, Deno's does not.
  return new Response(JSON.stringify({ status: "ok" }), {
    headers: { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" },
  });
}

/** Only same-site paths under /ops may be redirect targets (no open redirects). */
export function safeNext(next: string | null | undefined) {
  if (!next || !next.startsWith("/ops") || next.startsWith("//")) return "/ops";
  return next;
}

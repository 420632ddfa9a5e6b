import { data, redirect } from "@remix-run/node";
import type { OpsOutcome } from "./outcome";

/** An action's outcome as Remix answers it: a redirect, or the data under its status. */
export function respond<T>(outcome: OpsOutcome<T>) {
  if ("redirect" in outcome) return redirect(outcome.redirect);
  return data(outcome.body, { status: outcome.status });
}

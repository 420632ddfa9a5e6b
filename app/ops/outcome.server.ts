import { data, redirect } from "@remix-run/node";
import type { Database } from "~/db/client";
import { clientInfo } from "~/app/audit/audit.server";
import { getDatabase } from "~/app/db.server";
import { requireAction } from "./guard.server";
import type { OpsOutcome } from "./outcome";
import type { Permission } from "./permissions";
import type { OperatorActor } from "./rules.server";

/** An action's outcome as Remix answers it: a redirect, or the data under its status. */
export function respond<T>(outcome: OpsOutcome<T>) {
  if ("redirect" in outcome) return redirect(outcome.redirect);
  return data(outcome.body, { status: outcome.status });
}

/**
 * The action of a versioned editor page (rules, pricing): the edit permission, then the posted
 * intent; publishing asks for its own permission when it gets there.
 */
export async function versionedEditorAction<T>(
  request: Request,
  permissions: { edit: Permission; publish: Permission },
  intent: (
    database: Database,
    form: FormData,
    actor: OperatorActor,
    mayPublish: () => Promise<unknown>,
  ) => Promise<OpsOutcome<T>>,
) {
  const { operator } = await requireAction(request, permissions.edit);
  const actor = { actorType: "operator" as const, actorId: operator.id, ...clientInfo(request) };
  const outcome = await intent(await getDatabase(), await request.formData(), actor, () =>
    requireAction(request, permissions.publish),
  );
  return respond(outcome);
}

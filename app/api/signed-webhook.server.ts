import type { ActionFunctionArgs } from "@remix-run/node";
import type { Database } from "~/db/client";
import { getDatabase } from "~/app/db.server";
import { readJsonBody } from "./body.server";
import { apiError, apiJson } from "./errors.server";
import { apiHandler, methodNotAllowed } from "./route.server";

/** The outcomes every signed provider webhook has; a provider may add its own kinds. */
type Common = { kind: "rejected" } | { kind: "replayed" } | { kind: "accepted" };

/**
 * The action of a provider webhook that is JSON signed in one header (Persona, Plaid): POST
 * only; the raw body and the signature handed to `receive`, which checks, stores once and
 * enqueues; a bad signature → 401 naming the header, a re-delivery → 200 `duplicate`, a new
 * event → 200 `accepted`. The two routes had the same sequence and answers by hand; one copy
 * keeps what a provider sees the same. `answerOther` answers the provider's own outcomes.
 */
export function signedWebhookAction<Outcome extends { kind: string }>(
  signatureHeader: string,
  receive: (database: Database, raw: string, signature: string | null) => Promise<Outcome>,
  answerOther: (outcome: Exclude<Outcome, Common>) => Response,
) {
  return apiHandler(async ({ request }: ActionFunctionArgs) => {
    if (request.method !== "POST") return methodNotAllowed(request, ["POST"]);
    const { raw } = await readJsonBody(request);
    const outcome = await receive(await getDatabase(), raw, request.headers.get(signatureHeader));
    switch (outcome.kind) {
      case "rejected":
        return apiError("unauthorized", `Invalid or stale ${signatureHeader}`);
      case "replayed":
        return apiJson({ status: "duplicate" });
      case "accepted":
        return apiJson({ status: "accepted" });
      default:
        return answerOther(outcome as Exclude<Outcome, Common>);
    }
  });
}

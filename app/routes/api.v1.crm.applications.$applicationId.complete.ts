import { completeForCaller } from "~/app/crm/completion.server";
import { crmPost, crmPostOnly } from "~/app/crm/post.server";

/**
 * POST /api/v1/crm/applications/{id}/complete (docs/product/merchants-and-money.md): the job is
 * done; the borrower is asked to release the payment (ADR 050). 409 `invalid_state` unless the
 * application is `awaiting_completion`.
 */
export const action = crmPost({ applicationId: true }, ({ database, caller, applicationId, key }) =>
  completeForCaller(database, caller, applicationId, key),
);

export const loader = crmPostOnly;

import { prequalificationRequest } from "~/app/crm/schemas";
import { createPrequalification } from "~/app/prequal/prequalifications.server";
import { crmPost, crmPostOnly } from "~/app/crm/post.server";

/** POST /api/v1/crm/prequalifications (docs/product/merchants-and-money.md, "Prequalification"). */
export const action = crmPost(
  { schema: prequalificationRequest },
  ({ database, caller, input, idempotency }) =>
    createPrequalification(database, caller, input, idempotency),
);

export const loader = crmPostOnly;

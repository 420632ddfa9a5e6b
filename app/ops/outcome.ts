import type { RefusalStatus } from "~/app/errors/refusal";

/**
 * What a FlowOps action's domain function answers (issue 20: routes parse → call → render):
 * where to go next, or the page's data with the status it is answered with. A refusal is a 4xx
 * carrying the message the page shows (issue 13 item 18): 404 nothing by that id (or not this
 * merchant's), 409 not in a state that allows it (already published, already revoked), 422 a
 * form that does not parse.
 */
export type OpsRefusal = RefusalStatus;

export type OpsOutcome<T> = { redirect: string } | { status: 200 | OpsRefusal; body: T };

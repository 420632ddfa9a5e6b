/**
 * A refusal a screen shows as it is, carrying the status the page answers with (issue 13
 * item 18: never a 500): 404 nothing by that id, 409 not in a state that allows it (the
 * default), 422 a form or document that does not parse.
 *
 * One base class because every capability had written the same one (rule sets, pricing, the
 * rules and pricing editors, jobs, users, PII reveal): the subclasses only name where the
 * refusal comes from, and a catch can test `instanceof RefusalError` for any of them.
 */
export type RefusalStatus = 404 | 409 | 422;

export class RefusalError<Status extends RefusalStatus = RefusalStatus> extends Error {
  constructor(
    message: string,
    readonly status: Status = 409 as Status,
  ) {
    super(message);
  }
}

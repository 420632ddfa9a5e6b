import { conditionKinds, type ConditionKind } from "~/db/schema/conditions";
import type { InfoRequestStatus } from "~/db/schema/review-requests";
import { conditionKindLabels } from "~/app/lending/conditions";

/**
 * An underwriter's information request (ADR 076), the pure part: what may be asked, when it times
 * out, what the borrower must send back, and the words for its state. A document is asked by the
 * funding conditions' kinds (the same wording for the borrower, ADR 035).
 */
export const infoDocumentKinds = conditionKinds;
export type InfoDocumentKind = ConditionKind;

export const documentKindLabel = (kind: string | null, audience: "ops" | "borrower") =>
  kind && (conditionKinds as readonly string[]).includes(kind)
    ? conditionKindLabels[kind as ConditionKind][audience]
    : null;

export const messageLimits = { min: 10, max: 1000 } as const;
export const questionLimits = { min: 5, max: 500 } as const;
export const answerLimits = { min: 1, max: 2000 } as const;

/** When an open request stops waiting: `hours` after it was made. */
export const infoRequestDueAt = (now: Date, hours: number) =>
  new Date(now.getTime() + hours * 60 * 60 * 1000);

export const infoRequestStatusText: Record<InfoRequestStatus, string> = {
  open: "Waiting for the borrower",
  answered: "Answered",
  timed_out: "No answer in time",
  canceled: "Withdrawn",
};

export type AnswerInput = { answer: string | null; hasFile: boolean };
export type AnswerErrors = Partial<Record<"answer" | "document", string>>;

/**
 * What the borrower's answer lacks: the text when a question was asked, the file when a
 * document was. An empty object means the answer is complete.
 */
export function missingInAnswer(
  request: { question: string | null; documentKind: string | null },
  input: AnswerInput,
): AnswerErrors {
  const errors: AnswerErrors = {};
  const text = input.answer?.trim() ?? "";
  if (request.question) {
    if (text.length < answerLimits.min) errors.answer = "Write your answer";
    else if (text.length > answerLimits.max)
      errors.answer = `Keep your answer under ${answerLimits.max} characters`;
  }
  if (request.documentKind && !input.hasFile) errors.document = "Choose a file to upload";
  return errors;
}

/** Where an open request stands at `now`: still waiting, or past its time. */
export const isPastDue = (dueAt: Date, now: Date) => now.getTime() >= dueAt.getTime();

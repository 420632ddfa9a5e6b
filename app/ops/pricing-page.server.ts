/**
 * The pricing page's server side (issue 20): what the page shows, and each form intent
 * dispatched to the pricing editor. Refusals carry their status — 404 no such version or draft,
 * 409 not in that state (publishing what is published), 422 a form that does not parse — never
 * a 500 (issue 13 item 18).
 */
import type { Database } from "~/db/client";
import { PricingStateError } from "~/app/decisioning/pricing-rules.server";
import type { OpsOutcome } from "./outcome";
import type { SubmissionResult } from "@conform-to/react";
import { describePricing } from "./pricing-json";
import { problemField } from "./pricing-form";
import { parsePricingForm, tableToFormValue } from "./pricing-form.server";
import {
  checkPricing,
  discardPricingDraft,
  loadPricingVersions,
  PricingEditorError,
  savePricingDraft,
  startPricingDraft,
} from "./pricing.server";
import type { OperatorActor } from "./rules.server";
import {
  draftLifecycleIntent,
  editorReply,
  versionedPageHeader,
  type PageOperator,
} from "./versions.server";
import { submitForApproval } from "./policy-approval.server";

export async function loadPricingPage(database: Database, operator: PageOperator, url: URL) {
  const versions = await loadPricingVersions(database);
  return {
    ...versionedPageHeader(
      operator,
      url,
      { edit: "edit:pricing", publish: "publish:pricing" },
      "Pricing version",
    ),
    published: versions.published
      ? {
          ...versions.published,
          table: undefined,
          view: describePricing(versions.published.table),
        }
      : null,
    draft: versions.draft
      ? {
          ...versions.draft,
          table: undefined,
          form: tableToFormValue(versions.draft.table, versions.draft.notes),
          view: describePricing(versions.draft.table),
        }
      : null,
    history: versions.history,
  };
}

export type PricingActionData = {
  nonce: string;
  message?: string;
  error?: string;
  /**
   * Conform's reply to the editor form (the fields as posted, each field's message) when the
   * form is shown as posted: a refusal, a row added or removed (not saved yet), a validation.
   */
  result?: SubmissionResult<string[]>;
  validation?: string[];
  publishRefused?: string[];
};

/** One posted form of the pricing page; `mayPublish` throws (a 403) for an editor who may not. */
export async function pricingIntent(
  database: Database,
  formData: FormData,
  actor: OperatorActor,
  mayPublish: () => Promise<unknown>,
): Promise<OpsOutcome<PricingActionData>> {
  const reply = editorReply<PricingActionData>;
  try {
    const lifecycle = await draftLifecycleIntent<PricingActionData>(formData, {
      page: "/ops/pricing",
      idField: "pricingId",
      start: (fromVersion) =>
        startPricingDraft(database, { fromVersion, notes: `Started from v${fromVersion}`, actor }),
      discard: (pricingId) => discardPricingDraft(database, { pricingId, actor }),
    });
    if (lifecycle) return lifecycle;
    const submission = parsePricingForm(formData);
    // An author without the permission is refused before anything else (403).
    if (submission.payload.intent === "publish") await mayPublish();
    if (submission.status !== "success") {
      if (submission.status === undefined) {
        // A row added or removed (Conform's list intents): shown, not saved.
        return reply({
          message: "Not saved yet: save the draft to keep this change.",
          result: submission.reply(),
        });
      }
      if (submission.error?.intent) return reply({ error: "Unknown request" }, 422);
      if (submission.error?.pricingId) return reply({ error: "There is no such draft" }, 404);
      return reply(
        {
          error: "The draft was not saved: correct the fields marked below.",
          result: submission.reply(),
        },
        422,
      );
    }
    const { intent, pricingId, notes, table } = submission.value;
    await savePricingDraft(database, { pricingId, table, notes, actor });
    if (intent === "save") return reply({ message: "Draft saved." });
    // Validating and a refused publish show the problems in a list and on their tier or plan.
    const problems = checkPricing(table);
    const planNames = Object.keys(table.merchantPlans);
    const fieldErrors: Record<string, string[]> = {};
    for (const problem of problems) {
      const { field, message } = problemField(problem, planNames);
      (fieldErrors[field] ??= []).push(message);
    }
    const result = problems.length > 0 ? submission.reply({ fieldErrors }) : undefined;
    if (intent === "validate") {
      return reply({ message: "Draft saved.", validation: problems, result });
    }
    // Publishing takes a second operator (ADR 069): the author submits the draft for approval.
    if (problems.length > 0) {
      return reply({ message: "Draft saved.", publishRefused: problems, result }, 422);
    }
    const submitted = await submitForApproval(database, "pricing", actor);
    if ("redirect" in submitted) return submitted;
    return reply({ message: "Draft saved.", error: submitted.error }, submitted.status);
  } catch (error) {
    if (error instanceof PricingEditorError || error instanceof PricingStateError) {
      return reply({ error: error.message }, error.status);
    }
    throw error;
  }
}

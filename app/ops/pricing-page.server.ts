/**
 * The pricing page's server side (issue 20): what the page shows, and each form intent
 * dispatched to the pricing editor. Refusals carry their status — 404 no such version or draft,
 * 409 not in that state (publishing what is published), 422 a form that does not parse — never
 * a 500 (issue 13 item 18).
 */
import type { Database } from "~/db/client";
import { PricingStateError } from "~/app/decisioning/pricing-rules.server";
import type { OpsOutcome } from "./outcome";
import { describePricing, formatPricingJson, parsePricingJson } from "./pricing-json";
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
          json: formatPricingJson(versions.draft.table),
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
  /** The text as posted, when it could not be saved. */
  unsaved?: { json: string; notes: string };
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
  const intent = String(formData.get("intent") ?? "");
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
    if (intent !== "save" && intent !== "validate" && intent !== "publish") {
      return reply({ error: "Unknown request" }, 422);
    }
    if (intent === "publish") await mayPublish();
    const pricingId = String(formData.get("pricingId") ?? "");
    const json = String(formData.get("table") ?? "");
    const notes = String(formData.get("notes") ?? "");
    const parsed = parsePricingJson(json);
    if (!parsed.ok) {
      return reply(
        { error: `The draft was not saved. ${parsed.error}`, unsaved: { json, notes } },
        422,
      );
    }
    await savePricingDraft(database, { pricingId, table: parsed.table, notes, actor });
    if (intent === "validate") {
      return reply({ message: "Draft saved.", validation: checkPricing(parsed.table) });
    }
    if (intent === "publish") {
      // Publishing takes a second operator (ADR 069): the author submits the draft for approval.
      const problems = checkPricing(parsed.table);
      if (problems.length > 0) {
        return reply({ message: "Draft saved.", publishRefused: problems }, 422);
      }
      const submitted = await submitForApproval(database, "pricing", actor);
      if ("redirect" in submitted) return submitted;
      return reply({ message: "Draft saved.", error: submitted.error }, submitted.status);
    }
    return reply({ message: "Draft saved." });
  } catch (error) {
    if (error instanceof PricingEditorError || error instanceof PricingStateError) {
      return reply({ error: error.message }, error.status);
    }
    throw error;
  }
}

/**
 * The pricing page's server side (issue 20): what the page shows, and each form intent
 * dispatched to the pricing editor. Refusals carry their status — 404 no such version or draft,
 * 409 not in that state (publishing what is published), 422 a form that does not parse — never
 * a 500 (issue 13 item 18).
 */
import type { Database } from "~/db/client";
import { PricingStateError } from "~/app/decisioning/pricing-rules.server";
import type { OpsOutcome, OpsRefusal } from "./outcome";
import { can } from "./permissions";
import { describePricing, formatPricingJson, parsePricingJson } from "./pricing-json";
import {
  checkPricing,
  discardPricingDraft,
  loadPricingVersions,
  PricingEditorError,
  publishPricingDraft,
  savePricingDraft,
  startPricingDraft,
} from "./pricing.server";
import type { OperatorActor } from "./rules.server";

const notices: Record<string, (version: string) => string> = {
  published: (v) => `Pricing version ${v} is published: the next decision uses it.`,
  started: (v) => `Draft v${v} started.`,
  discarded: (v) => `Draft v${v} discarded.`,
};

type Operator = { name: string; email: string; role: Parameters<typeof can>[0] };

export async function loadPricingPage(database: Database, operator: Operator, url: URL) {
  const versions = await loadPricingVersions(database);
  const done = url.searchParams.get("done") ?? "";
  const version = url.searchParams.get("version") ?? "";
  return {
    operator: { name: operator.name, email: operator.email, role: operator.role },
    canEdit: can(operator.role, "edit:pricing"),
    canPublish: can(operator.role, "publish:pricing"),
    notice: notices[done] && /^\d+$/.test(version) ? notices[done](version) : null,
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
  const reply = (body: Omit<PricingActionData, "nonce">, status: 200 | OpsRefusal = 200) => ({
    status,
    body: { nonce: crypto.randomUUID(), ...body },
  });
  try {
    if (intent === "start-draft") {
      const text = String(formData.get("fromVersion") ?? "");
      if (!/^\d{1,9}$/.test(text)) return reply({ error: "Choose a version to start from" }, 422);
      const fromVersion = Number(text);
      const draft = await startPricingDraft(database, {
        fromVersion,
        notes: `Started from v${fromVersion}`,
        actor,
      });
      return { redirect: `/ops/pricing?done=started&version=${draft.version}` };
    }
    if (intent === "discard") {
      const discarded = await discardPricingDraft(database, {
        pricingId: String(formData.get("pricingId") ?? ""),
        actor,
      });
      return { redirect: `/ops/pricing?done=discarded&version=${discarded.version}` };
    }
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
      const outcome = await publishPricingDraft(database, { pricingId, actor });
      if (outcome.ok) return { redirect: `/ops/pricing?done=published&version=${outcome.version}` };
      return reply({ message: "Draft saved.", publishRefused: outcome.problems }, 422);
    }
    return reply({ message: "Draft saved." });
  } catch (error) {
    if (error instanceof PricingEditorError || error instanceof PricingStateError) {
      return reply({ error: error.message }, error.status);
    }
    throw error;
  }
}

/**
 * The rules page's server side (issue 20): what the page shows, and each form intent dispatched
 * to the rules editor. A refusal carries the status the page answers with — 404 for a version
 * or draft that does not exist, 409 for one in another state (publishing what is published),
 * 422 for a form that does not parse — never a 500 (issue 13 item 18).
 */
import type { Database } from "~/db/client";
import { fieldCatalogue } from "~/app/decisioning/facts";
import { reasonCatalogue, type ReasonSpec } from "~/app/decisioning/reasons";
import { RuleSetStateError } from "~/app/decisioning/rule-sets.server";
import type { Rule } from "~/app/decisioning/rules";
import type { OpsOutcome } from "./outcome";
import {
  applyRowIntent,
  formatRuleValue,
  isMoneyField,
  parseEditorIntent,
  rowsToRules,
  ruleToRow,
  type RuleProblems,
  type RuleRow,
} from "./rules-form";
import {
  checkRules,
  discardRuleSetDraft,
  dryRunRuleSetDraft,
  loadRuleSets,
  RulesEditorError,
  saveRuleSetDraft,
  startRuleSetDraft,
  type DryRun,
  type OperatorActor,
} from "./rules.server";
import {
  draftLifecycleIntent,
  editorReply,
  versionedPageHeader,
  type PageOperator,
} from "./versions.server";
import { submitForApproval } from "./policy-approval.server";
import { readRulesEditorForm } from "./rules-forms.server";

function condition(rule: Rule) {
  const value = formatRuleValue(rule.value, rule.field, rule.operator);
  const shown =
    isMoneyField(rule.field) && rule.operator !== "exists"
      ? value.replace(/(^|, )(\d)/g, "$1$$$2")
      : value;
  return `${rule.field} ${rule.operator} ${shown}`;
}

export async function loadRulesPage(database: Database, operator: PageOperator, url: URL) {
  const sets = await loadRuleSets(database);
  return {
    ...versionedPageHeader(
      operator,
      url,
      { edit: "edit:rules", publish: "publish:rules" },
      "Version",
    ),
    published: sets.published
      ? {
          ...sets.published,
          rules: sets.published.rules.map((rule) => ({
            ...ruleToRow(rule),
            condition: condition(rule),
          })),
        }
      : null,
    draft: sets.draft ? { ...sets.draft, rows: sets.draft.rules.map(ruleToRow) } : null,
    history: sets.history,
    // Money facts are typed and shown in dollars (stored in cents): the editor says so.
    fields: Object.entries(fieldCatalogue).map(([path, spec]) => ({
      path,
      type: isMoneyField(path) ? "dollars" : spec.type,
      description: isMoneyField(path)
        ? spec.description.replace(/,? cents$/, ", in dollars")
        : spec.description,
    })),
    reasons: Object.entries(reasonCatalogue as Record<string, ReasonSpec>).map(([code, spec]) => ({
      code,
      kind: spec.kind,
      label: spec.ops,
    })),
  };
}

export type RulesPage = Awaited<ReturnType<typeof loadRulesPage>>;

export type RulesActionData = {
  nonce: string;
  message?: string;
  error?: string;
  /** Why the draft could not be saved (nothing was). */
  blocking?: string[];
  /** The rows as posted, when they could not be saved. */
  unsaved?: { rows: RuleRow[]; notes: string };
  validation?: RuleProblems[];
  publishRefused?: RuleProblems[];
  dryRun?: DryRun;
  dryRunProblems?: RuleProblems[];
  applicationId?: string;
};

/**
 * One posted form of the rules page. `mayPublish` throws (a 403) when the operator may edit
 * but not publish.
 */
export async function rulesIntent(
  database: Database,
  formData: FormData,
  actor: OperatorActor,
  mayPublish: () => Promise<unknown>,
): Promise<OpsOutcome<RulesActionData>> {
  const reply = editorReply<RulesActionData>;
  try {
    const lifecycle = await draftLifecycleIntent<RulesActionData>(formData, {
      page: "/ops/rules",
      idField: "ruleSetId",
      start: (fromVersion) =>
        startRuleSetDraft(database, { fromVersion, notes: `Started from v${fromVersion}`, actor }),
      discard: (ruleSetId) => discardRuleSetDraft(database, { ruleSetId, actor }),
    });
    if (lifecycle) return lifecycle;

    const form = readRulesEditorForm(formData);
    const intent = parseEditorIntent(form.intent);
    if (!intent) return reply({ error: "Unknown request" }, 422);
    if (intent.kind === "publish") await mayPublish();
    const { ruleSetId, version, notes } = form;
    const rows = applyRowIntent(form.rows, intent);
    const converted = rowsToRules(rows);
    if (!converted.ok) {
      return reply(
        {
          error: "The draft was not saved",
          blocking: converted.problems,
          unsaved: { rows, notes },
          applicationId: form.applicationId,
        },
        422,
      );
    }
    const { rules } = converted;
    await saveRuleSetDraft(database, { ruleSetId, rules, notes, actor });

    if (intent.kind === "validate") {
      return reply({ message: "Draft saved.", validation: checkRules(rules) });
    }
    if (intent.kind === "dry-run") {
      const applicationId = form.applicationId.trim();
      const outcome = await dryRunRuleSetDraft(database, {
        draft: { id: ruleSetId, version, rules },
        applicationId,
        actor,
      });
      return outcome.ok
        ? reply({ message: "Draft saved.", dryRun: outcome.dryRun, applicationId })
        : reply({ message: "Draft saved.", dryRunProblems: outcome.problems, applicationId });
    }
    if (intent.kind === "publish") {
      // Publishing takes a second operator (ADR 069): the author submits the draft for approval.
      const problems = checkRules(rules);
      if (problems.length > 0) {
        return reply({ message: "Draft saved.", publishRefused: problems }, 422);
      }
      const submitted = await submitForApproval(database, "rules", actor);
      if ("redirect" in submitted) return submitted;
      return reply({ message: "Draft saved.", error: submitted.error }, submitted.status);
    }
    return reply({ message: "Draft saved." });
  } catch (error) {
    if (error instanceof RulesEditorError || error instanceof RuleSetStateError) {
      return reply({ error: error.message }, error.status);
    }
    throw error;
  }
}

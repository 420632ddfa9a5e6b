/**
 * The rule editor's form read with Conform + zod (issue 18: one form library in FlowOps). The
 * rows keep their flat names (`rule-<i>-key`, …, rules-form.ts `ruleInputName`) rather than
 * Conform's `rules[0].key`: the editor, its route tests and the e2e helpers address them so,
 * and every button posts the whole table anyway. The schema turns the posted fields into row
 * objects and reads each with `ruleRow`; what a row means (its value by the field's type, a
 * missing key or action) stays in `rowsToRules`, whose problems refuse the save.
 * Server-only: it builds zod schemas at load time (ADR 018).
 */
import { parseWithZod } from "@conform-to/zod/v4";
import { z } from "zod";
import { ruleInputName, ruleRowFields, type RuleRow } from "./rules-form";

/** The most rows a form may post (a rule set is a few dozen rules; this only bounds the loop). */
export const maxRuleRows = 500;

/** A posted text field; missing or not text (a file) reads as "". */
const text = z.string().catch("");
const trimmed = text.transform((value) => value.trim());

const ruleRow = z.object({
  key: trimmed,
  name: trimmed,
  field: text,
  operator: text,
  value: trimmed,
  action: text,
  reasonCode: text,
}) satisfies z.ZodType<RuleRow>;

const isBlank = (row: RuleRow) => !row.key && !row.name && !row.value;

const rulesEditorForm = z
  .looseObject({
    intent: text,
    ruleSetId: text,
    version: text.transform(Number),
    notes: text,
    applicationId: text,
    ruleCount: text.transform((value) => Math.min(Number.parseInt(value, 10) || 0, maxRuleRows)),
  })
  .transform(({ intent, ruleSetId, version, notes, applicationId, ruleCount, ...fields }) => ({
    intent,
    ruleSetId,
    version,
    notes,
    applicationId,
    // `ruleCount` rows and the new-rule row after them.
    rows: Array.from({ length: ruleCount + 1 }, (_, index) =>
      Object.fromEntries(ruleRowFields.map((f) => [f, fields[ruleInputName(index, f)]])),
    ),
  }))
  .pipe(
    z.object({
      intent: z.string(),
      ruleSetId: z.string(),
      // Not a number ("x") stays NaN, as before: the editor then finds no such version.
      version: z.number().catch(Number.NaN),
      notes: z.string(),
      applicationId: z.string(),
      // The empty new-rule row (all blank) is dropped.
      rows: z.array(ruleRow).transform((rows) => rows.filter((row) => !isBlank(row))),
    }),
  );

export type RulesEditorForm = z.output<typeof rulesEditorForm>;

/** The posted editor form: its intent, draft, notes, dry-run application and rows in order. */
export function readRulesEditorForm(formData: FormData): RulesEditorForm {
  const parsed = parseWithZod(formData, { schema: rulesEditorForm, disableAutoCoercion: true });
  // Every field falls back to "" (rowsToRules says what a row lacks), so this always reads.
  if (parsed.status !== "success") throw new Error("The rule editor's form did not read");
  return parsed.value;
}

/** The rows of a posted editor form, in order; the empty new-rule row is dropped. */
export const readRuleRows = (formData: FormData): RuleRow[] => readRulesEditorForm(formData).rows;

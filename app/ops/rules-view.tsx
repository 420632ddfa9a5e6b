/**
 * The rules page's parts (issue 20: the route parses, calls app/ops/rules-page.server.ts and
 * renders these): the problem lists, the dry-run result and the draft editor.
 */
import type { SerializeFrom } from "@remix-run/node";
import { Form } from "@remix-run/react";
import { ruleActions, operators as ruleOperators } from "~/app/decisioning/rules";
import type { ReactNode } from "react";
import { When } from "./layout";
import { DataTable, Section } from "./page-ui";
import type { DryRunOutcome, DryRunRuleSide } from "./rules-dry-run";
import { emptyRuleRow, ruleInputName, type RuleProblems, type RuleRow } from "./rules-form";
import type { DryRun } from "./rules.server";
import type { RulesActionData, RulesPage } from "./rules-page.server";
import { DraftSection, DraftToolbar } from "./versions-ui";
import { IntentButton } from "~/app/ui/intent-button";

const statusLabels: Record<string, string> = {
  approved: "Approved",
  declined: "Declined",
  manual_review: "Manual review",
};

export const actionLabels: Record<string, string> = {
  approve: "Approve",
  decline: "Decline",
  manual_review: "Manual review",
};

export function ProblemList(props: { id: string; title: string; problems: RuleProblems[] }) {
  return (
    <Section id={props.id} title={props.title}>
      {props.problems.length === 0 ? (
        <p role="status">No problems: this draft can be published.</p>
      ) : (
        <DataTable caption="Problems by rule" columns={["Rule", "Problem"]} wrapper={false}>
          {props.problems.flatMap((group) =>
            group.messages.map((message, index) => (
              <tr key={`${group.key ?? "set"}-${index}`}>
                <th scope="row">
                  {group.position === null
                    ? "The rule set"
                    : `${group.position}. ${group.key || "(no key)"}`}
                </th>
                <td className="error">{message}</td>
              </tr>
            )),
          )}
        </DataTable>
      )}
    </Section>
  );
}

function sideText(side: DryRunRuleSide | null) {
  if (!side) return "not in this version";
  return side.fired ? `fires → ${actionLabels[side.action] ?? side.action}` : "does not fire";
}

function outcomeCells(outcome: DryRunOutcome) {
  return {
    status: statusLabels[outcome.status] ?? outcome.status,
    score: String(outcome.score),
    tier: outcome.tier ?? "—",
    offers: String(outcome.offers),
    declineReasons: outcome.declineReasons.join(", ") || "—",
    reviewReasons: outcome.reviewReasons.join(", ") || "—",
  };
}

export function DryRunResult({ dryRun }: { dryRun: DryRun }) {
  const { comparison } = dryRun;
  const draft = outcomeCells(comparison.draft);
  const published = outcomeCells(comparison.published);
  const versionColumns = (...first: string[]) => [
    ...first,
    `Draft v${comparison.draft.version}`,
    `Published v${comparison.published.version}`,
  ];
  const lines: [string, keyof typeof draft][] = [
    ["Outcome", "status"],
    ["FlowPay score", "score"],
    ["Pricing tier", "tier"],
    ["Offers", "offers"],
    ["Decline reasons", "declineReasons"],
    ["Review reasons", "reviewReasons"],
  ];
  return (
    <Section id="dry-run-heading" title={`Dry run on ${dryRun.applicationId}`}>
      <p>
        Inputs from decision <code>{dryRun.decisionId}</code> (<When iso={dryRun.decidedAt} />
        ), decided {statusLabels[dryRun.storedStatus] ?? dryRun.storedStatus} with rule set v
        {dryRun.storedRuleSetVersion}. Both versions are evaluated with the published pricing.
      </p>
      <p role="status">
        {comparison.outcomeChanged
          ? `The draft changes the outcome: ${published.status} → ${draft.status}.`
          : `Same outcome with the draft: ${draft.status}.`}
      </p>
      <DataTable caption="Outcome" captionVisible columns={versionColumns("What")} wrapper={false}>
        {lines.map(([label, field]) => (
          <tr key={field}>
            <th scope="row">{label}</th>
            <td>{draft[field]}</td>
            <td>{published[field]}</td>
          </tr>
        ))}
      </DataTable>
      <DataTable
        caption="Each rule"
        captionVisible
        className="dry-run-rules"
        columns={versionColumns("Rule", "Fact")}
      >
        {comparison.rows.map((row) => (
          <tr key={row.key} className={row.changed ? "changed" : undefined}>
            <th scope="row">
              {row.key}
              {row.changed ? <span className="badge">changed</span> : null}
              <div className="small muted">{row.name}</div>
            </th>
            <td>
              <code>{row.field}</code> = <code>{row.actual}</code>
            </td>
            <td>
              {row.draft ? <code className="small">{row.draft.condition}</code> : null}
              <div>{sideText(row.draft)}</div>
            </td>
            <td>
              {row.published ? <code className="small">{row.published.condition}</code> : null}
              <div>{sideText(row.published)}</div>
            </td>
          </tr>
        ))}
      </DataTable>
    </Section>
  );
}

type Data = SerializeFrom<RulesPage>;

/**
 * One editable cell of a rule row: the control, named for screen readers by a hidden label
 * ("Rule 3: key"). The control gets its id and name from `inputName`.
 */
function RuleCell(props: {
  inputName: string;
  label: string;
  children: (control: { id: string; name: string }) => ReactNode;
}) {
  return (
    <td>
      <label className="visually-hidden" htmlFor={props.inputName}>
        {props.label}
      </label>
      {props.children({ id: props.inputName, name: props.inputName })}
    </td>
  );
}

const reasonGroups = [
  { kind: "decline", label: "Decline reasons" },
  { kind: "review", label: "Review reasons" },
] as const;

function RuleRowCells(props: {
  index: number;
  row: RuleRow;
  label: string;
  fields: Data["fields"];
  reasons: Data["reasons"];
}) {
  const { index, row, label, fields, reasons } = props;
  const cell = (field: keyof RuleRow, what: string) => ({
    inputName: ruleInputName(index, field),
    label: `${label}: ${what}`,
  });
  const knownField = fields.some((f) => f.path === row.field);
  const type = fields.find((f) => f.path === row.field)?.type;
  return (
    <>
      <RuleCell {...cell("key", "key")}>
        {(control) => <input {...control} defaultValue={row.key} autoComplete="off" />}
      </RuleCell>
      <RuleCell {...cell("name", "name")}>
        {(control) => <input {...control} defaultValue={row.name} autoComplete="off" />}
      </RuleCell>
      <RuleCell {...cell("field", "field")}>
        {(control) => (
          <select {...control} defaultValue={row.field}>
            <option value="">Choose a field</option>
            {!knownField && row.field ? (
              <option value={row.field}>{row.field} (unknown)</option>
            ) : null}
            {fields.map((field) => (
              <option key={field.path} value={field.path}>
                {field.path} ({field.type})
              </option>
            ))}
          </select>
        )}
      </RuleCell>
      <RuleCell {...cell("operator", "operator")}>
        {(control) => (
          <select {...control} defaultValue={row.operator}>
            <option value="">—</option>
            {ruleOperators.map((op) => (
              <option key={op} value={op}>
                {op}
              </option>
            ))}
          </select>
        )}
      </RuleCell>
      <RuleCell {...cell("value", "value")}>
        {(control) => (
          <input
            {...control}
            defaultValue={row.value}
            autoComplete="off"
            aria-describedby="value-help"
            placeholder={
              type === "dollars" ? "e.g. 1,500.00" : type === "number" ? "e.g. 580" : undefined
            }
          />
        )}
      </RuleCell>
      <RuleCell {...cell("action", "action")}>
        {(control) => (
          <select {...control} defaultValue={row.action}>
            <option value="">—</option>
            {ruleActions.map((action) => (
              <option key={action} value={action}>
                {actionLabels[action]}
              </option>
            ))}
          </select>
        )}
      </RuleCell>
      <RuleCell {...cell("reasonCode", "reason code")}>
        {(control) => (
          <select {...control} defaultValue={row.reasonCode}>
            <option value="">(none)</option>
            {!reasons.some((r) => r.code === row.reasonCode) && row.reasonCode ? (
              <option value={row.reasonCode}>{row.reasonCode} (unknown)</option>
            ) : null}
            {reasonGroups.map((group) => (
              <optgroup key={group.kind} label={group.label}>
                {reasons
                  .filter((r) => r.kind === group.kind)
                  .map((r) => (
                    <option key={r.code} value={r.code}>
                      {r.code}
                    </option>
                  ))}
              </optgroup>
            ))}
          </select>
        )}
      </RuleCell>
    </>
  );
}

/** The rules of the published version, read-only. */
export function PublishedRules(props: {
  version: number;
  rules: NonNullable<Data["published"]>["rules"];
}) {
  return (
    <DataTable
      caption={`Rules of version ${props.version}`}
      columns={["#", "Key", "Name", "Condition", "Action", "Reason code"]}
    >
      {props.rules.map((rule, index) => (
        <tr key={rule.key}>
          <td>{index + 1}</td>
          <th scope="row">{rule.key}</th>
          <td>{rule.name}</td>
          <td>
            <code>{rule.condition}</code>
          </td>
          <td>{actionLabels[rule.action] ?? rule.action}</td>
          <td>{rule.reasonCode || "—"}</td>
        </tr>
      ))}
    </DataTable>
  );
}

export function DraftEditor(props: {
  data: Data;
  actionData: RulesActionData | undefined;
  busy: boolean;
}) {
  const { data: loaded, actionData, busy } = props;
  const draft = loaded.draft!;
  const rows = actionData?.unsaved?.rows ?? draft.rows;
  const notes = actionData?.unsaved?.notes ?? draft.notes ?? "";
  // Remounted (fresh defaults) when the saved draft changes, or to show rows that were not saved.
  const formKey = actionData?.unsaved
    ? `unsaved:${actionData.nonce}`
    : `${draft.id}:${draft.updatedAt}`;
  return (
    <DraftSection draft={draft} idField="ruleSetId" saves="the rows">
      <Form method="post" key={formKey} className="rule-editor">
        <input type="hidden" name="ruleSetId" value={draft.id} />
        <input type="hidden" name="version" value={draft.version} />
        <input type="hidden" name="ruleCount" value={rows.length} />
        <DraftToolbar busy={busy} />
        <label htmlFor="notes">Notes for this version</label>
        <textarea id="notes" name="notes" rows={2} defaultValue={notes} />
        <p id="value-help" className="small muted">
          Value: typed by the field — a number (<code>580</code>), a word (<code>needs_review</code>
          ), <code>true</code>/<code>false</code>; for <code>in</code> a comma-separated list; JSON
          also works (<code>[&quot;a&quot;, &quot;b&quot;]</code>, <code>&quot;text&quot;</code>).
          Money facts (<code>…Cents</code>) are typed in dollars (<code>1,500.00</code>) and stored
          in cents. Decline rules come first, in order of importance: their reasons appear on the
          adverse action notice in that order.
        </p>
        <DataTable
          caption={`Rules of draft v${draft.version}`}
          columns={[
            "#",
            "Key",
            "Name",
            "Field",
            "Operator",
            "Value",
            "Action",
            "Reason code",
            "Order / remove",
          ]}
        >
          {rows.map((row, index) => (
            <tr key={index}>
              <th scope="row">{index + 1}</th>
              <RuleRowCells
                index={index}
                row={row}
                label={`Rule ${index + 1}`}
                fields={loaded.fields}
                reasons={loaded.reasons}
              />
              <td className="row-buttons">
                <IntentButton
                  intent={`up:${index}`}
                  className="secondary small"
                  disabled={index === 0}
                  aria-label={`Move rule ${index + 1} (${row.key}) up`}
                >
                  ↑
                </IntentButton>
                <IntentButton
                  intent={`down:${index}`}
                  className="secondary small"
                  disabled={index === rows.length - 1}
                  aria-label={`Move rule ${index + 1} (${row.key}) down`}
                >
                  ↓
                </IntentButton>
                <IntentButton
                  intent={`remove:${index}`}
                  className="secondary small"
                  aria-label={`Remove rule ${index + 1} (${row.key})`}
                >
                  Remove
                </IntentButton>
              </td>
            </tr>
          ))}
          <tr>
            <th scope="row">New</th>
            <RuleRowCells
              index={rows.length}
              row={emptyRuleRow}
              label="New rule"
              fields={loaded.fields}
              reasons={loaded.reasons}
            />
            <td className="small muted">Fill in to add; saved with the draft</td>
          </tr>
        </DataTable>
        <fieldset className="card">
          <legend>Dry run</legend>
          <label htmlFor="applicationId">Application id</label>
          <input
            id="applicationId"
            name="applicationId"
            defaultValue={actionData?.applicationId ?? ""}
            autoComplete="off"
            aria-describedby="dry-run-help"
          />
          <p id="dry-run-help" className="small muted">
            Evaluates this draft and the published version on the application&apos;s stored decision
            inputs (its latest decision).
          </p>
          <IntentButton intent="dry-run" className="secondary">
            Dry run
          </IntentButton>
        </fieldset>
        {loaded.canPublish ? (
          <fieldset className="card">
            <legend>Publish</legend>
            <p className="small muted">
              Submitting validates every rule; a second operator then reviews the{" "}
              <a href="/ops/policy/rules">changes and a back-test</a> and approves, which archives v
              {loaded.published?.version ?? "—"} and makes this draft the version every new decision
              uses.
            </p>
            <IntentButton intent="publish">Submit v{draft.version} for approval</IntentButton>
          </fieldset>
        ) : null}
      </Form>
    </DraftSection>
  );
}

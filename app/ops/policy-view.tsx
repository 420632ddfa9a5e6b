/**
 * The policy review page's parts (ADRs 069–070): what the draft changes against the live
 * version, its back-test (progress while it runs, then the figures side by side and the
 * applications whose outcome would change), and the approval form.
 */
import { Form } from "@remix-run/react";
import { formatMoney } from "~/app/money/dollars";
import { ConfirmStep } from "~/app/ui/confirm-step";
import { IntentButton } from "~/app/ui/intent-button";
import type { BacktestFigures, BacktestResult, OutcomeSide } from "./backtest";
import { When } from "./layout";
import { DataTable, Section } from "./page-ui";
import type { PolicyDiff, RuleLine } from "./policy-diff";
import type { ApprovalPreview } from "./policy-approval.server";
import type { PolicyPage } from "./policy-page.server";

const statusLabels: Record<string, string> = {
  approved: "Approved",
  declined: "Declined",
  manual_review: "Manual review",
};

const actionLabels: Record<string, string> = {
  approve: "Approve",
  decline: "Decline",
  manual_review: "Manual review",
};

function ruleText(line: RuleLine) {
  return `${line.condition} → ${actionLabels[line.action] ?? line.action}${line.reasonCode ? ` (${line.reasonCode})` : ""}`;
}

export function DiffView({ diff, live }: { diff: PolicyDiff; live: number | null }) {
  const title = `Changes against the live version${live ? ` v${live}` : ""}`;
  if (diff.empty) {
    return (
      <Section id="diff-heading" title={title}>
        <p role="status">No changes: this draft is identical to the live version.</p>
      </Section>
    );
  }
  if (diff.kind === "pricing") {
    return (
      <Section id="diff-heading" title={title}>
        <DataTable caption="Changed pricing values" columns={["Value", "Live", "Draft"]}>
          {diff.pricing.map((change) => (
            <tr key={change.path}>
              <th scope="row">{change.path}</th>
              <td>{change.before}</td>
              <td>{change.after}</td>
            </tr>
          ))}
        </DataTable>
      </Section>
    );
  }
  const { added, removed, changed, reordered } = diff.rules;
  const rows = [
    ...added.map((line) => ({
      key: line.key,
      name: line.name,
      what: "Added",
      before: "—",
      after: ruleText(line),
    })),
    ...removed.map((line) => ({
      key: line.key,
      name: line.name,
      what: "Removed",
      before: ruleText(line),
      after: "—",
    })),
    ...changed.map((change) => ({
      key: change.key,
      name: change.after.name,
      what: `Changed: ${change.what.join(", ")}`,
      before: ruleText(change.before),
      after: ruleText(change.after),
    })),
  ];
  return (
    <Section id="diff-heading" title={title}>
      {rows.length > 0 ? (
        <DataTable caption="Changed rules" columns={["Rule", "Change", "Live", "Draft"]}>
          {rows.map((row) => (
            <tr key={`${row.what}-${row.key}`}>
              <th scope="row">
                {row.name} <code className="small">{row.key}</code>
              </th>
              <td>{row.what}</td>
              <td>{row.before}</td>
              <td>{row.after}</td>
            </tr>
          ))}
        </DataTable>
      ) : null}
      {reordered ? (
        <p>The rules are in another order (it decides the order of a notice&apos;s reasons).</p>
      ) : null}
    </Section>
  );
}

function figureRows(before: BacktestFigures, after: BacktestFigures): [string, string, string][] {
  const tiers = [
    ...new Set([...Object.keys(before.offersByTier), ...Object.keys(after.offersByTier)]),
  ].sort();
  return [
    ["Decisions replayed", String(before.decisions), String(after.decisions)],
    ["Approval rate", `${before.approvalRate} %`, `${after.approvalRate} %`],
    ["Decline rate", `${before.declineRate} %`, `${after.declineRate} %`],
    ["Review rate", `${before.reviewRate} %`, `${after.reviewRate} %`],
    ...tiers.map((tier): [string, string, string] => [
      `Approved in tier ${tier}`,
      String(before.offersByTier[tier] ?? 0),
      String(after.offersByTier[tier] ?? 0),
    ]),
    [
      "Average APR offered",
      before.averageApr ? `${before.averageApr} %` : "—",
      after.averageApr ? `${after.averageApr} %` : "—",
    ],
    [
      "Funded volume (approved amounts)",
      formatMoney(before.fundedVolumeCents),
      formatMoney(after.fundedVolumeCents),
    ],
  ];
}

function sideText(side: OutcomeSide) {
  const parts = [statusLabels[side.status] ?? side.status];
  if (side.tier) parts.push(`tier ${side.tier}`);
  if (side.bestApr) parts.push(`from ${side.bestApr} % APR`);
  if (side.reasons.length > 0) parts.push(side.reasons.join(", "));
  return parts.join(" · ");
}

function BacktestFiguresView({ result }: { result: BacktestResult }) {
  const liveName = `Live (rules v${result.live.ruleSetVersion}, pricing v${result.live.pricingVersion})`;
  const draftName = `With the draft (rules v${result.draft.ruleSetVersion}, pricing v${result.draft.pricingVersion})`;
  return (
    <>
      <DataTable caption="Back-test figures" captionVisible columns={["", liveName, draftName]}>
        {figureRows(result.before, result.after).map(([label, before, after]) => (
          <tr key={label}>
            <th scope="row">{label}</th>
            <td>{before}</td>
            <td>{after}</td>
          </tr>
        ))}
      </DataTable>
      <p role="status">
        {result.changedCount === 0
          ? "No application's outcome would change."
          : `${result.changedCount} application${result.changedCount === 1 ? "" : "s"} would get another outcome${result.changedCount > result.changes.length ? ` (the first ${result.changes.length} are listed)` : ""}.`}
        {result.skipped > 0
          ? ` ${result.skipped} older snapshots without inputs were skipped.`
          : null}
      </p>
      {result.changes.length > 0 ? (
        <DataTable
          caption="Applications whose outcome would change"
          captionVisible
          columns={["Application", "Amount", "Live", "With the draft"]}
        >
          {result.changes.map((change) => (
            <tr key={change.decisionId}>
              <th scope="row">
                <a href={`/ops/applications/${change.applicationId}`}>{change.applicationId}</a>
              </th>
              <td>{formatMoney(change.amountCents)}</td>
              <td>{sideText(change.before)}</td>
              <td>{sideText(change.after)}</td>
            </tr>
          ))}
        </DataTable>
      ) : null}
    </>
  );
}

export function BacktestSection(props: { page: PolicyPage; days?: string; busy: boolean }) {
  const { backtest, canBacktest, maxDays } = props.page;
  return (
    <Section id="backtest-heading" title="Back-test">
      <p className="small muted">
        Replays the engine decisions of the last days with this draft in place of the live version,
        and compares the two on the same inputs.
      </p>
      {backtest ? (
        <div>
          <p>
            Last run: {backtest.days} days, asked for <When iso={backtest.createdAt} />.
            {backtest.stale ? <strong> The draft changed since: run it again.</strong> : null}
          </p>
          {backtest.status === "queued" || backtest.status === "running" ? (
            <p role="status">
              <label htmlFor="backtest-progress">
                Running: {backtest.processed} of {backtest.total} decisions ({backtest.percent} %).
                This page refreshes itself until it is done.
              </label>{" "}
              <progress id="backtest-progress" max={100} value={backtest.percent} />
            </p>
          ) : backtest.status === "failed" ? (
            <p role="alert" className="error">
              The back-test failed: {backtest.error}
            </p>
          ) : backtest.result ? (
            <BacktestFiguresView result={backtest.result} />
          ) : null}
        </div>
      ) : (
        <p>No back-test of this draft yet.</p>
      )}
      {canBacktest ? (
        <Form method="post" className="inline-form">
          <label htmlFor="days">Days of decisions</label>
          <input
            id="days"
            name="days"
            inputMode="numeric"
            defaultValue={props.days ?? "30"}
            aria-describedby="days-help"
            size={4}
          />
          <span id="days-help" className="small muted">
            1 to {maxDays}
          </span>{" "}
          <IntentButton intent="backtest" className="secondary" disabled={props.busy}>
            Run back-test
          </IntentButton>
        </Form>
      ) : null}
    </Section>
  );
}

export function ApprovalSection({ page, busy }: { page: PolicyPage; busy: boolean }) {
  const { submission, draft } = page;
  if (!draft) return null;
  return (
    <Section id="approval-heading" title="Approval">
      {submission ? (
        <p>
          Submitted for approval by {submission.submittedBy} on{" "}
          <When iso={submission.submittedAt} />.
          {submission.stale ? (
            <strong>
              {" "}
              The draft changed after it was submitted: its author must submit it again.
            </strong>
          ) : null}
        </p>
      ) : (
        <p>Not submitted: its author submits it from the editor (“Submit for approval”).</p>
      )}
      {submission && page.canApprove ? (
        <Form method="post">
          {page.isAuthor ? (
            <p className="small muted" id="author-note">
              You wrote this draft: another operator must approve it (four eyes).
            </p>
          ) : (
            <p className="small muted">
              Approving publishes v{draft.version}: every new decision uses it.
            </p>
          )}
          <IntentButton
            intent="approve"
            disabled={busy}
            aria-describedby={page.isAuthor ? "author-note" : undefined}
          >
            Approve and publish v{draft.version}
          </IntentButton>
        </Form>
      ) : null}
    </Section>
  );
}

/**
 * "Publish v4?" — the approval's confirmation step (issue 18): which version replaces which,
 * whose submission it is, how many changes, and that the next decision uses it. Confirming posts
 * the submission it was shown for, so a resubmission in between is not approved unseen.
 */
export function ApproveStep(props: {
  preview: ApprovalPreview;
  kind: "rules" | "pricing";
  subject: string;
}) {
  const { preview } = props;
  const changes = `${preview.changes} change${preview.changes === 1 ? "" : "s"}`;
  return (
    <ConfirmStep
      title={`Approve and publish ${props.subject} v${preview.version}?`}
      intent="approve"
      fields={{ submissionId: preview.submissionId }}
      confirmLabel={`Publish v${preview.version} now`}
      cancelTo={`/ops/policy/${props.kind}`}
    >
      <p>
        Draft v{preview.version}, submitted by {preview.submittedBy}, replaces{" "}
        {preview.liveVersion ? `the live version v${preview.liveVersion}` : "no live version"} (
        {changes}, listed below). Every application decided from the moment you confirm uses it
        {props.kind === "pricing" ? " for its tiers, rates, fees and limits" : ""}; the previous
        version is archived and can be copied into a new draft, but decisions already made stay as
        they are.
      </p>
    </ConfirmStep>
  );
}

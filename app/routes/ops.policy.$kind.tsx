import {
  data,
  redirect,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
} from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { clientInfo } from "~/app/audit/audit.server";
import { getDatabase } from "~/app/db.server";
import { requireAction, requirePermission } from "~/app/ops/guard.server";
import { OpsShell } from "~/app/ops/layout";
import {
  kindPermissions,
  loadPolicyPage,
  policyIntent,
  policyKindOf,
  type PolicyActionData,
} from "~/app/ops/policy-page.server";
import { ApprovalSection, ApproveStep, BacktestSection, DiffView } from "~/app/ops/policy-view";
import { useSettledAnswer } from "~/app/ops/versions-ui";

/** Seconds between reloads while a back-test runs (a meta refresh: works without JavaScript). */
const refreshSeconds = 2;

export const meta: MetaFunction<typeof loader> = ({ data: page }) => [
  { title: `${page?.kind === "pricing" ? "Pricing" : "Rules"} approval — FlowOps` },
  ...(page?.refreshing ? [{ httpEquiv: "refresh", content: String(refreshSeconds) }] : []),
];

export const headers = () => ({ "Cache-Control": "no-store" });

function kindOf(params: { kind?: string }) {
  const kind = policyKindOf(params.kind);
  if (!kind) throw new Response("Not found", { status: 404 });
  return kind;
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const kind = kindOf(params);
  const { operator } = await requirePermission(request, kindPermissions[kind].read);
  // The page's reads (drafts, back-test results) run in a reader thread (ADR 083).
  return loadPolicyPage((await getDatabase()).reader, operator, kind, new URL(request.url));
}

export async function action({ request, params }: ActionFunctionArgs) {
  const kind = kindOf(params);
  const { operator } = await requireAction(request, kindPermissions[kind].read);
  const actor = { actorType: "operator" as const, actorId: operator.id, ...clientInfo(request) };
  const outcome = await policyIntent(
    await getDatabase(),
    kind,
    await request.formData(),
    actor,
    operator.role,
    (permission) => requireAction(request, permission),
  );
  if ("redirect" in outcome) return redirect(outcome.redirect);
  return data(outcome.body, { status: outcome.status });
}

export default function PolicyReview() {
  const page = useLoaderData<typeof loader>();
  const { answer, busy } = useSettledAnswer<PolicyActionData>();
  const subject = page.kind === "rules" ? "rule set" : "pricing";
  return (
    <OpsShell
      operator={page.operator}
      title={page.kind === "rules" ? "Rules approval" : "Pricing approval"}
      notice={page.notice}
      error={answer?.error ?? null}
    >
      <p>
        <Link to={`/ops/${page.kind}`}>Back to the {subject} editor</Link>
      </p>
      {page.draft ? (
        <>
          <p>
            Draft v{page.draft.version} of the {subject}
            {page.draft.createdBy ? `, started by ${page.draft.createdBy}` : ""}; live version:{" "}
            {page.live ? `v${page.live.version}` : "none"}.
          </p>
          {answer?.confirmApprove ? (
            <ApproveStep preview={answer.confirmApprove} kind={page.kind} subject={subject} />
          ) : null}
          {page.diff ? <DiffView diff={page.diff} live={page.live?.version ?? null} /> : null}
          <BacktestSection page={page} days={answer?.days} busy={busy} />
          <ApprovalSection page={page} busy={busy} />
        </>
      ) : (
        <p className="card">There is no {subject} draft to review.</p>
      )}
    </OpsShell>
  );
}

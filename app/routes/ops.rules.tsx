import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { getDatabase } from "~/app/db.server";
import { requirePermission } from "~/app/ops/guard.server";
import { OpsShell } from "~/app/ops/layout";
import { versionedEditorAction } from "~/app/ops/outcome.server";
import { loadRulesPage, rulesIntent, type RulesActionData } from "~/app/ops/rules-page.server";
import { DraftEditor, DryRunResult, ProblemList, PublishedRules } from "~/app/ops/rules-view";
import {
  EditorAnswer,
  PublishedSection,
  useSettledAnswer,
  VersionHistory,
} from "~/app/ops/versions-ui";

export const meta: MetaFunction = () => [{ title: "Rules — FlowOps" }];

/** Refusals (4xx) reload the page too: a refused publish has saved the draft. */
export { revalidateAfterPosts as shouldRevalidate } from "~/app/ops/revalidate";

export async function loader({ request }: LoaderFunctionArgs) {
  const { operator } = await requirePermission(request, "read:rules");
  return loadRulesPage(await getDatabase(), operator, new URL(request.url));
}

export const action = ({ request }: ActionFunctionArgs) =>
  versionedEditorAction(request, { edit: "edit:rules", publish: "publish:rules" }, rulesIntent);

export default function Rules() {
  const loaded = useLoaderData<typeof loader>();
  const { answer: actionData, busy } = useSettledAnswer<RulesActionData>();
  const { published, draft, history } = loaded;
  return (
    <OpsShell operator={loaded.operator} title="Rules" notice={loaded.notice}>
      {actionData?.error ? (
        <div role="alert" className="card">
          <p className="error">{actionData.error}</p>
          {actionData.blocking ? (
            <ul>
              {actionData.blocking.map((problem) => (
                <li key={problem}>{problem}</li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
      <EditorAnswer answer={actionData} subject="the draft" Problems={ProblemList} />
      {actionData?.dryRunProblems ? (
        <ProblemList
          id="dry-run-problems"
          title="The dry run needs a valid draft"
          problems={actionData.dryRunProblems}
        />
      ) : null}
      {actionData?.dryRun ? <DryRunResult dryRun={actionData.dryRun} /> : null}

      <PublishedSection
        published={published}
        none="No published rule set"
        mayStartDraft={!draft && loaded.canEdit}
      >
        {published ? <PublishedRules version={published.version} rules={published.rules} /> : null}
      </PublishedSection>

      {draft && loaded.canEdit ? (
        <DraftEditor data={loaded} actionData={actionData} busy={busy} />
      ) : draft ? (
        <p className="card">Draft v{draft.version} is being edited.</p>
      ) : null}

      <VersionHistory
        caption="Every rule set version"
        rows={history}
        canEdit={loaded.canEdit}
        hasDraft={Boolean(draft)}
        extra={{ heading: "Rules", cell: (set) => set.ruleCount }}
      />
    </OpsShell>
  );
}

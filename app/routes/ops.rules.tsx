import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { getDatabase } from "~/app/db.server";
import { requirePermission } from "~/app/ops/guard.server";
import { OpsShell, When } from "~/app/ops/layout";
import { versionedEditorAction } from "~/app/ops/outcome.server";
import { loadRulesPage, rulesIntent, type RulesActionData } from "~/app/ops/rules-page.server";
import { actionLabels, DraftEditor, DryRunResult, ProblemList } from "~/app/ops/rules-view";
import { VersionHistory } from "~/app/ops/versions-ui";
import { IntentButton } from "~/app/ui/intent-button";

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
  const navigation = useNavigation();
  const busy = navigation.state === "submitting";
  // An answer is shown once the page's data is reloaded after it, so the editor is not replaced
  // (with the saved version) after the answer appears.
  const submitted = useActionData<RulesActionData>();
  const actionData = navigation.state === "idle" ? submitted : undefined;
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
      {actionData?.message ? <p role="status">{actionData.message}</p> : null}
      {actionData?.publishRefused ? (
        <div role="alert">
          <p className="error">Not published: the draft has problems.</p>
          <ProblemList
            id="publish-problems"
            title="Why it cannot be published"
            problems={actionData.publishRefused}
          />
        </div>
      ) : null}
      {actionData?.validation ? (
        <ProblemList id="validation-heading" title="Validation" problems={actionData.validation} />
      ) : null}
      {actionData?.dryRunProblems ? (
        <ProblemList
          id="dry-run-problems"
          title="The dry run needs a valid draft"
          problems={actionData.dryRunProblems}
        />
      ) : null}
      {actionData?.dryRun ? <DryRunResult dryRun={actionData.dryRun} /> : null}

      <section className="card" aria-labelledby="published-heading">
        <h2 id="published-heading">
          {published ? `Published: version ${published.version}` : "No published rule set"}
        </h2>
        {published ? (
          <>
            <p>
              Published by {published.publishedBy ?? "the system"} on{" "}
              <When iso={published.publishedAt} />
              {published.notes ? <> — {published.notes}</> : null}
            </p>
            <div className="table-scroll" tabIndex={0}>
              <table>
                <caption className="visually-hidden">Rules of version {published.version}</caption>
                <thead>
                  <tr>
                    <th scope="col">#</th>
                    <th scope="col">Key</th>
                    <th scope="col">Name</th>
                    <th scope="col">Condition</th>
                    <th scope="col">Action</th>
                    <th scope="col">Reason code</th>
                  </tr>
                </thead>
                <tbody>
                  {published.rules.map((rule, index) => (
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
                </tbody>
              </table>
            </div>
          </>
        ) : null}
        {!draft && published && loaded.canEdit ? (
          <Form method="post">
            <input type="hidden" name="fromVersion" value={published.version} />
            <IntentButton intent="start-draft">
              Start a draft from version {published.version}
            </IntentButton>
          </Form>
        ) : null}
      </section>

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

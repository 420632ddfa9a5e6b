import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { getDatabase } from "~/app/db.server";
import { requirePermission } from "~/app/ops/guard.server";
import { OpsShell } from "~/app/ops/layout";
import { versionedEditorAction } from "~/app/ops/outcome.server";
import {
  loadPricingPage,
  pricingIntent,
  type PricingActionData,
} from "~/app/ops/pricing-page.server";
import { PricingEditor, SubmitForApproval } from "~/app/ops/pricing-editor";
import { PricingTableView, Problems } from "~/app/ops/pricing-view";
import {
  DraftSection,
  EditorAnswer,
  PublishedSection,
  useSettledAnswer,
  VersionHistory,
} from "~/app/ops/versions-ui";

export const meta: MetaFunction = () => [{ title: "Pricing — FlowOps" }];

/** Refusals (4xx) reload the page too: a refused publish has saved the draft. */
export { revalidateAfterPosts as shouldRevalidate } from "~/app/ops/revalidate";

export async function loader({ request }: LoaderFunctionArgs) {
  const { operator } = await requirePermission(request, "read:pricing");
  return loadPricingPage(await getDatabase(), operator, new URL(request.url));
}

export const action = ({ request }: ActionFunctionArgs) =>
  versionedEditorAction(
    request,
    { edit: "edit:pricing", publish: "publish:pricing" },
    pricingIntent,
  );

export default function Pricing() {
  const loaded = useLoaderData<typeof loader>();
  const { answer: actionData, busy } = useSettledAnswer<PricingActionData>();
  const { published, draft, history } = loaded;
  return (
    <OpsShell
      operator={loaded.operator}
      title="Pricing"
      notice={loaded.notice}
      error={actionData?.error}
    >
      <EditorAnswer answer={actionData} subject="the table" Problems={Problems} />

      <PublishedSection
        published={published}
        none="No published pricing"
        mayStartDraft={!draft && loaded.canEdit}
      >
        {published?.view ? (
          <PricingTableView view={published.view} label={`Version ${published.version}`} />
        ) : (
          <p className="error">The published table does not match the schema.</p>
        )}
      </PublishedSection>

      {draft && loaded.canEdit ? (
        <DraftSection
          draft={draft}
          idField="pricingId"
          saves="the table"
          after={
            draft.view ? (
              <details>
                <summary>Draft v{draft.version} as saved, in tables</summary>
                <PricingTableView view={draft.view} label={`Draft v${draft.version}`} />
              </details>
            ) : null
          }
        >
          {draft.form ? (
            <PricingEditor
              key={actionData?.result ? actionData.nonce : `${draft.id}:${draft.updatedAt}`}
              pricingId={draft.id}
              version={draft.version}
              defaultValue={draft.form}
              lastResult={actionData?.result}
              busy={busy}
              publishButton={
                loaded.canPublish ? <SubmitForApproval version={draft.version} /> : null
              }
            />
          ) : (
            <p className="error">
              Draft v{draft.version} does not match the pricing schema; discard it and start a new
              draft from a published version.
            </p>
          )}
          <p className="small muted">
            Publishing checks every term&apos;s APR against the cap at the tier&apos;s smallest and
            largest amount. A second operator approves and publishes it after reviewing the{" "}
            <a href="/ops/policy/pricing">changes and a back-test</a>.
          </p>
        </DraftSection>
      ) : draft ? (
        <p className="card">Draft v{draft.version} is being edited.</p>
      ) : null}

      <VersionHistory
        caption="Every pricing version"
        rows={history}
        canEdit={loaded.canEdit}
        hasDraft={Boolean(draft)}
      />
    </OpsShell>
  );
}

import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { clientInfo } from "~/audit/audit.server";
import { getDatabase } from "~/db.server";
import { formatMoney } from "~/money/dollars";
import { requireAction, requirePermission } from "~/ops/guard.server";
import { OpsShell, When } from "~/ops/layout";
import { VersionHistory } from "~/ops/versions-ui";
import { can } from "~/ops/permissions";
import {
  describePricing,
  formatPricingJson,
  parsePricingJson,
  type PricingView,
} from "~/ops/pricing-json";
import {
  checkPricing,
  discardPricingDraft,
  loadPricingVersions,
  PricingEditorError,
  publishPricingDraft,
  savePricingDraft,
  startPricingDraft,
} from "~/ops/pricing.server";

export const meta: MetaFunction = () => [{ title: "Pricing — FlowOps" }];

const notices: Record<string, (version: string) => string> = {
  published: (v) => `Pricing version ${v} is published: the next decision uses it.`,
  started: (v) => `Draft v${v} started.`,
  discarded: (v) => `Draft v${v} discarded.`,
};

export async function loader({ request }: LoaderFunctionArgs) {
  const { operator } = await requirePermission(request, "read:pricing");
  const versions = await loadPricingVersions(await getDatabase());
  const url = new URL(request.url);
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

type ActionData = {
  nonce: string;
  message?: string;
  error?: string;
  /** The text as posted, when it could not be saved. */
  unsaved?: { json: string; notes: string };
  validation?: string[];
  publishRefused?: string[];
};

export async function action({ request }: ActionFunctionArgs) {
  const { operator } = await requireAction(request, "edit:pricing");
  const actor = { actorType: "operator" as const, actorId: operator.id, ...clientInfo(request) };
  const database = await getDatabase();
  const formData = await request.formData();
  const intent = String(formData.get("intent") ?? "");
  const reply = (body: Omit<ActionData, "nonce">): ActionData => ({
    nonce: crypto.randomUUID(),
    ...body,
  });
  try {
    if (intent === "start-draft") {
      const fromVersion = Number(formData.get("fromVersion"));
      const draft = await startPricingDraft(database, {
        fromVersion,
        notes: `Started from v${fromVersion}`,
        actor,
      });
      return redirect(`/ops/pricing?done=started&version=${draft.version}`);
    }
    if (intent === "discard") {
      const discarded = await discardPricingDraft(database, {
        pricingId: String(formData.get("pricingId") ?? ""),
        actor,
      });
      return redirect(`/ops/pricing?done=discarded&version=${discarded.version}`);
    }
    if (intent !== "save" && intent !== "validate" && intent !== "publish") {
      return reply({ error: "Unknown request" });
    }
    if (intent === "publish") await requireAction(request, "publish:pricing");
    const pricingId = String(formData.get("pricingId") ?? "");
    const json = String(formData.get("table") ?? "");
    const notes = String(formData.get("notes") ?? "");
    const parsed = parsePricingJson(json);
    if (!parsed.ok) {
      return reply({ error: `The draft was not saved. ${parsed.error}`, unsaved: { json, notes } });
    }
    await savePricingDraft(database, { pricingId, table: parsed.table, notes, actor });
    if (intent === "validate") {
      return reply({ message: "Draft saved.", validation: checkPricing(parsed.table) });
    }
    if (intent === "publish") {
      const outcome = await publishPricingDraft(database, { pricingId, actor });
      if (outcome.ok) return redirect(`/ops/pricing?done=published&version=${outcome.version}`);
      return reply({ message: "Draft saved.", publishRefused: outcome.problems });
    }
    return reply({ message: "Draft saved." });
  } catch (error) {
    if (error instanceof PricingEditorError) return reply({ error: error.message });
    throw error;
  }
}

function Problems(props: { id: string; title: string; problems: string[] }) {
  return (
    <section className="card" aria-labelledby={props.id}>
      <h2 id={props.id}>{props.title}</h2>
      {props.problems.length === 0 ? (
        <p role="status">No problems: this table can be published.</p>
      ) : (
        <ul>
          {props.problems.map((problem) => (
            <li key={problem} className="error">
              {problem}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function PricingTableView({ view, label }: { view: PricingView; label: string }) {
  return (
    <>
      <div className="table-scroll" tabIndex={0}>
        <table>
          <caption>{label}: tiers</caption>
          <thead>
            <tr>
              <th scope="col">Tier</th>
              <th scope="col">Minimum score</th>
              <th scope="col">Amount limits</th>
              <th scope="col">Origination fee</th>
              <th scope="col">Terms: note rate → APR</th>
            </tr>
          </thead>
          <tbody>
            {view.tiers.map((tier) => (
              <tr key={tier.name}>
                <th scope="row">{tier.name}</th>
                <td>{tier.minScore}</td>
                <td>
                  {formatMoney(tier.minAmountCents)} – {formatMoney(tier.maxAmountCents)}
                </td>
                <td>{tier.originationFeeRate} %</td>
                <td>
                  <ul className="plain">
                    {tier.terms.map((term) => (
                      <li key={term.months}>
                        {term.months} months: {term.noteRate} % →{" "}
                        {term.apr ? `${term.apr} % APR` : "APR n/a"}
                      </li>
                    ))}
                  </ul>
                  <span className="small muted">
                    APR with the fee, on {formatMoney(tier.aprAmountCents)}
                  </span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <dl className="facts">
        <div>
          <dt>Offers shown at most</dt>
          <dd>{view.maxOffers}</dd>
        </div>
        <div>
          <dt>Minimum monthly payment</dt>
          <dd>{formatMoney(view.minMonthlyPaymentCents)}</dd>
        </div>
        <div>
          <dt>Payment at most (share of monthly income)</dt>
          <dd>{view.maxPaymentToIncomePct} %</dd>
        </div>
        <div>
          <dt>APR cap</dt>
          <dd>{view.aprCapPercent} %</dd>
        </div>
        <div>
          <dt>Late charge</dt>
          <dd>
            {formatMoney(view.lateCharge.feeCents)} after {view.lateCharge.graceDays} days
          </dd>
        </div>
      </dl>
      <table>
        <caption>{label}: merchant plans</caption>
        <thead>
          <tr>
            <th scope="col">Plan</th>
            <th scope="col">Promotional offer</th>
          </tr>
        </thead>
        <tbody>
          {view.plans.map((plan) => (
            <tr key={plan.name}>
              <th scope="row">{plan.name}</th>
              <td>
                {plan.promotional
                  ? `0 % APR for ${plan.promotional.termMonths} months, tiers ${plan.promotional.tiers.join(", ")}, up to ${formatMoney(plan.promotional.maxAmountCents)}; merchant fee +${(plan.promotional.additionalMerchantFeeBps / 100).toFixed(2)} %`
                  : "none"}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

export default function Pricing() {
  const loaded = useLoaderData<typeof loader>();
  const navigation = useNavigation();
  const busy = navigation.state === "submitting";
  // An answer is shown once the page's data is reloaded after it, so the editor is not replaced
  // (with the saved version) after the answer appears.
  const submitted = useActionData<typeof action>();
  const actionData = navigation.state === "idle" ? submitted : undefined;
  const { published, draft, history } = loaded;
  return (
    <OpsShell
      operator={loaded.operator}
      title="Pricing"
      notice={loaded.notice}
      error={actionData?.error}
    >
      {actionData?.message ? <p role="status">{actionData.message}</p> : null}
      {actionData?.publishRefused ? (
        <div role="alert">
          <p className="error">Not published: the table has problems.</p>
          <Problems
            id="publish-problems"
            title="Why it cannot be published"
            problems={actionData.publishRefused}
          />
        </div>
      ) : null}
      {actionData?.validation ? (
        <Problems id="validation-heading" title="Validation" problems={actionData.validation} />
      ) : null}

      <section className="card" aria-labelledby="published-heading">
        <h2 id="published-heading">
          {published ? `Published: version ${published.version}` : "No published pricing"}
        </h2>
        {published ? (
          <>
            <p>
              Published by {published.publishedBy ?? "the system"} on{" "}
              <When iso={published.publishedAt} />
              {published.notes ? <> — {published.notes}</> : null}
            </p>
            {published.view ? (
              <PricingTableView view={published.view} label={`Version ${published.version}`} />
            ) : (
              <p className="error">The published table does not match the schema.</p>
            )}
          </>
        ) : null}
        {!draft && published && loaded.canEdit ? (
          <Form method="post">
            <input type="hidden" name="fromVersion" value={published.version} />
            <button type="submit" name="intent" value="start-draft">
              Start a draft from version {published.version}
            </button>
          </Form>
        ) : null}
      </section>

      {draft && loaded.canEdit ? (
        <section className="card" aria-labelledby="draft-heading">
          <h2 id="draft-heading">Draft v{draft.version}</h2>
          <p className="muted">
            Started by {draft.createdBy ?? "the system"} on <When iso={draft.createdAt} />; last
            saved <When iso={draft.updatedAt} />. Every button below saves the table first.
          </p>
          <Form
            method="post"
            key={
              actionData?.unsaved ? `unsaved:${actionData.nonce}` : `${draft.id}:${draft.updatedAt}`
            }
            className="pricing-editor"
          >
            <input type="hidden" name="pricingId" value={draft.id} />
            <label htmlFor="notes">Notes for this version</label>
            <textarea
              id="notes"
              name="notes"
              rows={2}
              defaultValue={actionData?.unsaved?.notes ?? draft.notes ?? ""}
            />
            <label htmlFor="table">Pricing table (JSON)</label>
            <p id="table-help" className="small muted">
              Money in cents, rates as exact percentage strings (<code>&quot;9.990&quot;</code>),
              scores on the FlowPay 0–460 scale; tiers from the highest minimum score to the lowest;{" "}
              <code>merchantPlans.standard</code> is required. Publishing checks every term&apos;s
              APR against the cap at the tier&apos;s smallest and largest amount.
            </p>
            <textarea
              id="table"
              name="table"
              rows={30}
              spellCheck={false}
              className="code"
              aria-describedby="table-help"
              defaultValue={actionData?.unsaved?.json ?? draft.json}
            />
            <div className="toolbar">
              <button type="submit" name="intent" value="save" disabled={busy}>
                Save draft
              </button>
              <button type="submit" name="intent" value="validate" className="secondary">
                Validate
              </button>
              {loaded.canPublish ? (
                <button type="submit" name="intent" value="publish">
                  Publish v{draft.version}
                </button>
              ) : null}
            </div>
          </Form>
          <Form method="post">
            <input type="hidden" name="pricingId" value={draft.id} />
            <button type="submit" name="intent" value="discard" className="secondary">
              Discard draft v{draft.version}
            </button>
          </Form>
          {draft.view ? (
            <details>
              <summary>Draft v{draft.version} as saved, in tables</summary>
              <PricingTableView view={draft.view} label={`Draft v${draft.version}`} />
            </details>
          ) : null}
        </section>
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

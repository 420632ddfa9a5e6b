import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useActionData, useLoaderData } from "@remix-run/react";
import { crmStatus, effectiveStatus } from "~/app/crm/applications.server";
import { getDatabase } from "~/app/db.server";
import { fieldErrors } from "~/app/merchant/forms";
import { notFound, requirePortal, requirePortalAction } from "~/app/merchant/guard.server";
import { PortalShell, shellUser } from "~/app/merchant/layout";
import {
  moneyActionSchema,
  moneyIntents,
  moneyPermission,
  type MoneyIntent,
} from "~/app/merchant/money";
import { MoneyForms, type MoneyAnswer } from "~/app/merchant/money-forms";
import { moneyActionsFor, runMoneyAction } from "~/app/merchant/money.server";
import { canPortal } from "~/app/merchant/permissions";
import { maskEmail, maskPhone, portalTimeline } from "~/app/merchant/timeline";
import { formatMoney } from "~/app/money/dollars";
import { statusLabels } from "~/app/ops/applications";
import { When } from "~/app/ops/layout";

export const meta: MetaFunction = () => [{ title: "Application — FlowPay merchant portal" }];

/**
 * One application as the merchant sees it: status, amount, the customer as the merchant sent it
 * (contacts masked), the loan's funding, and the timeline — never the borrower's SSN, date of
 * birth, income, bank or credit data, nor why a decision was made (docs/product/merchants-and-money.md).
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const context = await requirePortal(request, "read:application");
  const database = await getDatabase();
  const id = params.applicationId ?? "";
  const [app, sources] = await Promise.all([
    context.scope.application(database.reader.db, id),
    context.scope.timelineSources(database.reader.db, id),
  ]);
  if (!app || !sources) notFound();
  const status = effectiveStatus(app, app.link);
  return {
    user: shellUser(context),
    // The money forms this status allows and this role may use; a fresh refund key per render.
    actions: moneyActionsFor(status).filter((i) => canPortal(context.role, moneyPermission[i])),
    refundKey: `portal-${crypto.randomUUID()}`,
    application: {
      id: app.id,
      status,
      linkCreatedOnly: crmStatus(status, app.sms?.status) === "link_created",
      amountCents: app.amountCents,
      customer: `${app.firstName} ${app.lastName}`,
      phone: maskPhone(app.phone),
      email: maskEmail(app.email),
      jobId: app.crmJobId,
      job: app.jobDescription,
      supersededById: app.supersededById,
      linkExpiresAt: app.link && !app.link.revokedAt ? app.link.expiresAt.toISOString() : null,
      fundedCents: app.loan?.fundedAt ? app.loan.fundedAmountCents : null,
      feeCents: app.loan?.merchantFeeCents ?? null,
      fundedAt: app.loan?.fundedAt?.toISOString() ?? null,
    },
    timeline: portalTimeline({
      createdAt: app.createdAt,
      submittedAt: app.submittedAt,
      decision: app.decision,
      loan: app.loan,
      actions: sources.actions,
      messages: sources.messages,
    }),
  };
}

/**
 * Complete / change amount / cancel / refund (docs/product/merchants-and-money.md, "Money after
 * the signature"): the intent's permission, then the same domain functions as the CRM API's
 * routes (app/merchant/money.server.ts). Another merchant's id: 404, nothing written.
 */
export async function action({ request, params }: ActionFunctionArgs) {
  const form = Object.fromEntries(await request.formData());
  const intent = String(form.intent ?? "") as MoneyIntent;
  if (!moneyIntents.includes(intent)) throw new Response("Bad Request", { status: 400 });
  const context = await requirePortalAction(request, moneyPermission[intent]);
  const parsed = moneyActionSchema.safeParse(form);
  if (!parsed.success) {
    const [field, message] = Object.entries(fieldErrors(parsed.error))[0] ?? [
      "form",
      "Check the form",
    ];
    return answer(intent, field, message);
  }
  const outcome = await runMoneyAction(
    await getDatabase(),
    context,
    params.applicationId ?? "",
    parsed.data,
  );
  if (!outcome.ok && outcome.notFound) notFound();
  return outcome.ok
    ? { notice: outcome.notice, refused: null }
    : answer(intent, outcome.field, outcome.message);
}

function answer(intent: MoneyIntent, field: string, message: string) {
  const known = field === "amount" || field === "reason" ? field : "form";
  return { notice: null, refused: { intent, field: known, message } satisfies MoneyAnswer };
}

export default function MerchantApplication() {
  const { user, application: a, timeline, actions, refundKey } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  return (
    <PortalShell
      user={user}
      title={`${a.customer} — ${formatMoney(a.amountCents)}`}
      notice={data?.notice}
    >
      <dl className="card facts">
        <div>
          <dt>Status</dt>
          <dd>
            {statusLabels[a.status]}
            {a.linkCreatedOnly ? " (link not texted)" : null}
          </dd>
        </div>
        <div>
          <dt>Application</dt>
          <dd>
            <code>{a.id}</code>
          </dd>
        </div>
        <div>
          <dt>Job</dt>
          <dd>
            {a.jobId}
            {a.job ? ` · ${a.job}` : null}
          </dd>
        </div>
        <div>
          <dt>Phone</dt>
          <dd>{a.phone}</dd>
        </div>
        <div>
          <dt>E-mail</dt>
          <dd>{a.email}</dd>
        </div>
        <div>
          <dt>Link expires</dt>
          <dd>
            <When iso={a.linkExpiresAt} />
          </dd>
        </div>
        {a.fundedCents !== null ? (
          <div>
            <dt>Funded</dt>
            <dd>
              {formatMoney(a.fundedCents)} on <When iso={a.fundedAt} />
              {a.feeCents !== null ? ` · fee ${formatMoney(a.feeCents)}` : null}
            </dd>
          </div>
        ) : null}
      </dl>
      <MoneyForms
        actions={actions}
        amountCents={a.amountCents}
        refundKey={refundKey}
        answer={data?.refused ?? null}
      />
      {a.supersededById ? (
        <p>
          Replaced by <Link to={`/merchant/applications/${a.supersededById}`}>a newer offer</Link>.
        </p>
      ) : null}
      <section aria-labelledby="timeline-heading">
        <h2 id="timeline-heading">Timeline</h2>
        <ol className="timeline">
          {timeline.map((event, i) => (
            <li key={i}>
              <When iso={event.at} /> — {event.label}
            </li>
          ))}
        </ol>
      </section>
      <p>
        <Link to="/merchant/applications">Back to applications</Link>
      </p>
    </PortalShell>
  );
}

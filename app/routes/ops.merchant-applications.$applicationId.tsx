import { parseWithZod } from "@conform-to/zod/v4";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { clientInfo } from "~/app/audit/audit.server";
import { getDatabase } from "~/app/db.server";
import { formatMoney } from "~/app/money/dollars";
import { fundingModeLabels, fundingModes } from "~/app/onboarding/funding-modes";
import { reviewIntentSchema } from "~/app/onboarding/review-form.server";
import {
  approveMerchantApplication,
  declineMerchantApplication,
  getMerchantApplication,
} from "~/app/onboarding/review.server";
import { industries } from "~/app/onboarding/signup-schema";
import { requireAction, requirePermission } from "~/app/ops/guard.server";
import { OpsShell } from "~/app/ops/layout";
import { merchantPlans } from "~/app/ops/merchants.server";
import { can } from "~/app/ops/permissions";
import { maskLast4 } from "~/app/security/encryption.server";
import { FieldError } from "~/app/ui/fields";
import { IntentButton } from "~/app/ui/intent-button";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data?.application.name ?? "Merchant application"} — FlowOps` },
];

const notices: Record<string, string> = {
  approved: "Approved: the merchant was created and its owner e-mailed a sign-in link.",
  declined: "Declined: the owner was e-mailed.",
};

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { operator } = await requirePermission(request, "read:merchant");
  const database = await getDatabase();
  const a = await getMerchantApplication(database, params.applicationId ?? "");
  if (!a) throw new Response("Not Found", { status: 404 });
  const done = new URL(request.url).searchParams.get("done");
  return {
    operator: { name: operator.name, email: operator.email, role: operator.role },
    canReview: can(operator.role, "edit:merchant"),
    plans: await merchantPlans(database),
    notice: (done && notices[done]) || null,
    application: {
      id: a.id,
      status: a.status,
      name: a.dba ?? a.legalName,
      legalName: a.legalName,
      dba: a.dba,
      ein: `${a.ein.slice(0, 2)}-${a.ein.slice(2)}`,
      address: `${a.addressLine1}, ${a.city}, ${a.state} ${a.postalCode}`,
      industry: industries[a.industry as keyof typeof industries] ?? a.industry,
      owner: `${a.ownerName} — ${a.ownerEmail}, ${a.ownerPhone}`,
      bank: `routing ${a.routingNumber}, account ${maskLast4(a.accountLast4)}`,
      volume: formatMoney(a.expectedMonthlyVolumeCents),
      submittedAt: a.createdAt.toISOString(),
      declineReason: a.declineReason,
      merchantId: a.merchantId,
    },
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { operator } = await requireAction(request, "edit:merchant");
  const id = params.applicationId ?? "";
  const parsed = parseWithZod(await request.formData(), {
    schema: reviewIntentSchema,
    disableAutoCoercion: true,
  });
  if (parsed.status !== "success") {
    // Each field's first message, shown beside it.
    const errors = Object.fromEntries(
      Object.entries(parsed.error ?? {}).map(([field, messages]) => [field, messages?.[0] ?? ""]),
    );
    return data<ActionData>({ errors, error: null }, { status: 422 });
  }
  const actor = { actorType: "operator" as const, actorId: operator.id, ...clientInfo(request) };
  const database = await getDatabase();
  const input = parsed.value;
  const outcome =
    input.intent === "approve"
      ? await approveMerchantApplication(database, {
          id,
          pricingPlan: input.pricingPlan,
          fundingMode: input.fundingMode,
          actor,
        })
      : await declineMerchantApplication(database, { id, reason: input.reason, actor });
  if (!outcome.ok && outcome.reason === "not_found") {
    throw new Response("Not Found", { status: 404 });
  }
  if (!outcome.ok) {
    return data<ActionData>(
      { errors: {}, error: "This application was already reviewed." },
      { status: 409 },
    );
  }
  return redirect(
    `/ops/merchant-applications/${id}?done=${input.intent === "approve" ? "approved" : "declined"}`,
  );
}

type ActionData = { errors: Record<string, string>; error: string | null };

export default function MerchantApplication() {
  const { operator, canReview, plans, notice, application: a } = useLoaderData<typeof loader>();
  const result = useActionData<ActionData>();
  const busy = useNavigation().state === "submitting";
  const rows: [string, string | null][] = [
    ["Legal name", a.legalName],
    ["Doing business as", a.dba],
    ["EIN", a.ein],
    ["Industry", a.industry],
    ["Address", a.address],
    ["Owner", a.owner],
    ["Payout account", a.bank],
    ["Expected monthly volume", a.volume],
    ["Submitted", a.submittedAt],
    ["Status", a.status],
    ["Decline reason", a.declineReason],
  ];
  return (
    <OpsShell operator={operator} title={a.name} notice={notice} error={result?.error}>
      <p>
        <Link to="/ops/merchant-applications">← All merchant applications</Link>
      </p>
      <dl className="card">
        {rows
          .filter(([, value]) => value)
          .map(([label, value]) => (
            <div key={label}>
              <dt>{label}</dt>
              <dd>{value}</dd>
            </div>
          ))}
      </dl>
      {a.merchantId ? (
        <p>
          <Link to={`/ops/merchants/${a.merchantId}`}>Open the merchant</Link>
        </p>
      ) : null}
      {canReview && a.status === "pending" ? (
        <>
          <Form method="post" className="card narrow-form" aria-labelledby="approve-heading">
            <h2 id="approve-heading">Approve</h2>
            <label htmlFor="pricingPlan">Pricing plan</label>
            <select id="pricingPlan" name="pricingPlan" defaultValue={plans[0]}>
              {plans.map((plan) => (
                <option key={plan} value={plan}>
                  {plan}
                </option>
              ))}
            </select>
            <FieldError id="pricingPlan-error" errors={result?.errors.pricingPlan} />
            <fieldset>
              <legend>Funding mode</legend>
              {fundingModes.map((mode) => (
                <label key={mode} className="choice">
                  <input
                    type="radio"
                    name="fundingMode"
                    value={mode}
                    defaultChecked={mode === "on_completion"}
                  />{" "}
                  {fundingModeLabels[mode]}
                </label>
              ))}
            </fieldset>
            <FieldError id="fundingMode-error" errors={result?.errors.fundingMode} />
            <IntentButton intent="approve" disabled={busy}>
              Approve and e-mail the owner
            </IntentButton>
          </Form>
          <Form method="post" className="card narrow-form" aria-labelledby="decline-heading">
            <h2 id="decline-heading">Decline</h2>
            <label htmlFor="reason">Reason (kept in the audit log; not sent to the business)</label>
            <textarea
              id="reason"
              name="reason"
              rows={3}
              required
              aria-describedby={result?.errors.reason ? "reason-error" : undefined}
            />
            <FieldError id="reason-error" errors={result?.errors.reason} />
            <IntentButton intent="decline" disabled={busy} className="secondary">
              Decline
            </IntentButton>
          </Form>
        </>
      ) : null}
    </OpsShell>
  );
}

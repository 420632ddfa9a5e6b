import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, useLoaderData, useNavigation } from "@remix-run/react";
import { clientInfo } from "~/app/audit/audit.server";
import { guardPublicForm, loadJourney } from "~/app/borrower/context.server";
import { currentPage, pagePath } from "~/app/borrower/journey";
import { startApplication } from "~/app/borrower/steps.server";
import { BorrowerShell, Honeypot } from "~/app/borrower/ui";
import { asLowAsForMerchant } from "~/app/crm/as-low-as.server";
import { formatMoney } from "~/app/money/dollars";

export async function loader({ params }: LoaderFunctionArgs) {
  const j = await loadJourney(params.token, "welcome");
  // The estimate's "as low as" payment, with the disclosure that must go with it (§1026.24(d)).
  const price = await asLowAsForMerchant(j.database, j.merchant, j.application.amountCents);
  return {
    asLowAs:
      price?.ok === true
        ? {
            monthlyPaymentCents: price.value.monthlyPaymentCents,
            termMonths: price.value.termMonths,
            disclosure: price.value.disclosure,
          }
        : null,
    firstName: j.customer.firstName,
    lastName: j.customer.lastName,
    phoneLast4: j.customer.phone.slice(-4),
    merchant: j.merchant.name,
    description: j.job.description,
    amountCents: j.application.amountCents,
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const j = await loadJourney(params.token, "welcome");
  await guardPublicForm(request, await request.formData());
  await startApplication(j, clientInfo(request));
  // A converted prequalification has its details and consents already: on to the next step.
  return redirect(
    pagePath(j.token, currentPage({ status: "in_progress", completedStep: j.state.completedStep })),
  );
}

export default function Welcome() {
  const data = useLoaderData<typeof loader>();
  const busy = useNavigation().state !== "idle";
  return (
    <BorrowerShell
      merchantName={data.merchant}
      title={`Hi ${data.firstName}, let's get you financing`}
    >
      <div className="card">
        <p>
          <strong>{data.merchant}</strong> offered you financing for{" "}
          {data.description ? <strong>{data.description}</strong> : "your job"}.
        </p>
        <dl className="facts">
          <dt>Amount</dt>
          <dd>{formatMoney(data.amountCents)}</dd>
          {data.asLowAs ? (
            <>
              <dt>As low as</dt>
              <dd>
                {formatMoney(data.asLowAs.monthlyPaymentCents)}/month for {data.asLowAs.termMonths}{" "}
                months*
              </dd>
            </>
          ) : null}
          <dt>Name</dt>
          <dd>
            {data.firstName} {data.lastName}
          </dd>
          <dt>Mobile</dt>
          <dd>ending in {data.phoneLast4}</dd>
        </dl>
        {data.asLowAs ? <p className="muted small">* {data.asLowAs.disclosure}</p> : null}
        <p className="muted">
          It takes about two minutes. Checking your offers is a soft credit inquiry and won't affect
          your credit score.
        </p>
        <Form method="post">
          <Honeypot />
          <button type="submit" disabled={busy}>
            {busy ? "Starting…" : "Start my application"}
          </button>
        </Form>
      </div>
    </BorrowerShell>
  );
}

import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, useLoaderData, useNavigation } from "@remix-run/react";
import { clientInfo } from "~/app/audit/audit.server";
import { guardPublicForm, loadJourney } from "~/app/borrower/context.server";
import { pagePath } from "~/app/borrower/journey";
import { pageAfterSubmit, submitApplication } from "~/app/borrower/steps.server";
import { BorrowerShell, Honeypot } from "~/app/borrower/ui";
import { formatMoney } from "~/app/money/dollars";

export async function loader({ params }: LoaderFunctionArgs) {
  const j = await loadJourney(params.token, "review");
  const summary = j.application.bankSummary as { accountMasks?: string[] } | null;
  return {
    token: j.token,
    merchant: j.merchant.name,
    name: `${j.customer.firstName} ${j.customer.lastName}`,
    amountCents: j.application.amountCents,
    ssnLast4: j.customer.ssnLast4,
    monthlyIncomeCents: j.application.monthlyIncomeCents,
    housingCostCents: j.application.housingCostCents,
    bank: j.application.bankLinkStatus,
    accountMasks: summary?.accountMasks ?? [],
    kycStatus: j.application.kycStatus,
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const j = await loadJourney(params.token, "review");
  await guardPublicForm(request, await request.formData());
  await submitApplication(j, clientInfo(request));
  // Straight to the decision when it is made within ~2 s; else the pending page (issue 17).
  return redirect(pagePath(j.token, await pageAfterSubmit(j)));
}

export default function Review() {
  const d = useLoaderData<typeof loader>();
  const busy = useNavigation().state !== "idle";
  return (
    <BorrowerShell merchantName={d.merchant} page="review" title="Check and submit">
      <div className="card">
        <dl className="facts">
          <dt>Applicant</dt>
          <dd>{d.name}</dd>
          <dt>Amount</dt>
          <dd>{formatMoney(d.amountCents)}</dd>
          <dt>SSN</dt>
          <dd>ending in {d.ssnLast4}</dd>
          <dt>Monthly income</dt>
          <dd>{d.monthlyIncomeCents === null ? "—" : formatMoney(d.monthlyIncomeCents)}</dd>
          <dt>Monthly housing</dt>
          <dd>{d.housingCostCents === null ? "—" : formatMoney(d.housingCostCents)}</dd>
          <dt>Bank</dt>
          <dd>
            {d.bank === "linked"
              ? `linked${d.accountMasks.length ? ` (account ending ${d.accountMasks.join(", ")})` : ""}`
              : "not linked — a specialist will review your application"}
          </dd>
          <dt>Identity</dt>
          <dd>{d.kycStatus === "approved" ? "verified" : (d.kycStatus ?? "not checked")}</dd>
        </dl>
        <p>
          <a href={pagePath(d.token, "details")}>Change my details</a>
        </p>
        <Form method="post">
          <Honeypot />
          <button type="submit" disabled={busy}>
            {busy ? "Submitting…" : "Submit my application"}
          </button>
        </Form>
      </div>
    </BorrowerShell>
  );
}

import type { SubmissionResult } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod/v4";
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { clientInfo } from "~/app/audit/audit.server";
import { guardPublicForm, loadJourney } from "~/app/borrower/context.server";
import { pagePath } from "~/app/borrower/journey";
import { BorrowerShell, Honeypot } from "~/app/borrower/ui";
import { formatMoney } from "~/app/money/dollars";
import {
  counterDeclineSchema,
  CounterOfferStateError,
  declineCounterOffer,
  openCounterOffer,
} from "~/app/ops/counter-offer.server";
import { FieldError, FormAlert } from "~/app/ui/fields";

/**
 * Declining a counter-offer (ADR 077), from the offers page's callout: what it means, and one
 * plain form (no JavaScript needed). Declined, the application ends declined with the adverse
 * action notice (Regulation B); accepting is choosing a plan on the offers page and signing.
 */
export async function loader({ params }: LoaderFunctionArgs) {
  const j = await loadJourney(params.token, "offers");
  const counter = await openCounterOffer(j.database, j.application.id);
  if (!counter) throw redirect(pagePath(j.token, "offers"));
  return {
    token: j.token,
    merchant: j.merchant.name,
    amountCents: counter.amountCents,
    requestedAmountCents: counter.requestedAmountCents,
  };
}

type ActionResult = { result: SubmissionResult<string[]> | null; formError: string | null };

export async function action({ request, params }: ActionFunctionArgs) {
  const j = await loadJourney(params.token, "offers");
  const form = await request.formData();
  await guardPublicForm(request, form);
  const submission = parseWithZod(form, { schema: counterDeclineSchema });
  if (submission.status !== "success") {
    return data<ActionResult>({ result: submission.reply(), formError: null }, { status: 422 });
  }
  try {
    await declineCounterOffer(j.database, {
      applicationId: j.application.id,
      customerId: j.customer.id,
      client: clientInfo(request),
    });
  } catch (error) {
    if (!(error instanceof CounterOfferStateError)) throw error;
    return data<ActionResult>({ result: null, formError: error.message }, { status: 409 });
  }
  return redirect(pagePath(j.token, "declined"));
}

export default function DeclineCounterOffer() {
  const d = useLoaderData<typeof loader>();
  const actionData = useActionData<ActionResult>();
  const busy = useNavigation().state !== "idle";
  const errors = (actionData?.result?.error ?? {}) as Record<string, string[] | null>;
  return (
    <BorrowerShell merchantName={d.merchant} page="offers" title="Decline the counter-offer?">
      <p>
        We offered to finance {formatMoney(d.amountCents)} of the{" "}
        {formatMoney(d.requestedAmountCents)} you asked for. If you decline, this application ends:
        you get a notice explaining why we could not offer what you asked for, and you can pay{" "}
        {d.merchant} another way.
      </p>
      <FormAlert message={actionData?.formError} />
      <Form method="post" className="card" noValidate>
        <Honeypot />
        <label className="checkbox">
          <input
            type="checkbox"
            name="confirm"
            value="yes"
            aria-invalid={errors.confirm ? true : undefined}
            aria-describedby={errors.confirm ? "confirm-error" : undefined}
          />{" "}
          I decline the counter-offer
        </label>
        <FieldError id="confirm-error" errors={errors.confirm} />
        <button type="submit" className="secondary" disabled={busy}>
          Decline the counter-offer
        </button>
      </Form>
      <p>
        <a href={pagePath(d.token, "offers")}>Back to the plans (to accept, choose one and sign)</a>
      </p>
    </BorrowerShell>
  );
}

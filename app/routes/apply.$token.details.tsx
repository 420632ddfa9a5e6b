import { getFormProps, getInputProps, useForm } from "@conform-to/react";
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { clientInfo } from "~/app/audit/audit.server";
import { guardPublicForm, loadJourney } from "~/app/borrower/context.server";
import { parseForm } from "~/app/borrower/form-parse";
import { pagePath } from "~/app/borrower/journey";
import { detailsSchema } from "~/app/borrower/schemas";
import { saveOrRetryLater } from "~/app/borrower/retry-later.server";
import { saveDetails } from "~/app/borrower/steps.server";
import { BorrowerShell, FieldError, Honeypot } from "~/app/borrower/ui";

const centsToDollars = (cents: number | null) =>
  cents === null ? "" : (cents / 100).toFixed(2).replace(/\.00$/, "");

export async function loader({ params }: LoaderFunctionArgs) {
  const j = await loadJourney(params.token, "details");
  return {
    merchant: j.merchant.name,
    ssnLast4: j.customer.ssnLast4,
    monthlyIncome: centsToDollars(j.application.monthlyIncomeCents),
    housingCost: centsToDollars(j.application.housingCostCents),
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const j = await loadJourney(params.token, "details");
  const formData = await request.formData();
  await guardPublicForm(request, formData);
  const submission = parseForm(formData, detailsSchema({ ssnOnFile: Boolean(j.customer.ssnEnc) }));
  // Never echo the SSN or date of birth back into the page.
  if (submission.status !== "success")
    return submission.reply({ hideFields: ["ssn", "dateOfBirth"] });
  const outcome = await saveOrRetryLater(
    () => saveDetails(j, submission.value, clientInfo(request)),
    (message) => submission.reply({ formErrors: [message], hideFields: ["ssn", "dateOfBirth"] }),
  );
  if (!outcome.saved) return outcome.response;
  return redirect(pagePath(j.token, "consents"));
}

export default function Details() {
  const data = useLoaderData<typeof loader>();
  const lastResult = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const schema = detailsSchema({ ssnOnFile: Boolean(data.ssnLast4) });
  const [form, fields] = useForm({
    lastResult,
    defaultValue: { monthlyIncome: data.monthlyIncome, housingCost: data.housingCost },
    shouldValidate: "onBlur",
    shouldRevalidate: "onInput",
    onValidate: ({ formData }) => parseForm(formData, schema),
  });
  return (
    <BorrowerShell merchantName={data.merchant} page="details" title="A few details about you">
      <Form method="post" className="card" {...getFormProps(form)}>
        <Honeypot />
        <FieldError id={form.errorId} errors={form.errors} />
        <label htmlFor={fields.dateOfBirth.id}>Date of birth</label>
        <input
          {...getInputProps(fields.dateOfBirth, { type: "date" })}
          autoComplete="bday"
          aria-describedby={fields.dateOfBirth.errors ? fields.dateOfBirth.errorId : undefined}
        />
        <FieldError id={fields.dateOfBirth.errorId} errors={fields.dateOfBirth.errors} />

        <label htmlFor={fields.ssn.id}>Social Security number</label>
        {data.ssnLast4 ? (
          <p className="muted" id="ssn-hint">
            We have the number ending in {data.ssnLast4}. Leave this empty to keep it.
          </p>
        ) : null}
        <input
          {...getInputProps(fields.ssn, { type: "text" })}
          inputMode="numeric"
          autoComplete="off"
          placeholder="123-45-6789"
          aria-describedby={
            [data.ssnLast4 ? "ssn-hint" : "", fields.ssn.errors ? fields.ssn.errorId : ""]
              .join(" ")
              .trim() || undefined
          }
        />
        <FieldError id={fields.ssn.errorId} errors={fields.ssn.errors} />

        <label htmlFor={fields.monthlyIncome.id}>Monthly income before taxes ($)</label>
        <input
          {...getInputProps(fields.monthlyIncome, { type: "text" })}
          inputMode="decimal"
          aria-describedby={fields.monthlyIncome.errors ? fields.monthlyIncome.errorId : undefined}
        />
        <FieldError id={fields.monthlyIncome.errorId} errors={fields.monthlyIncome.errors} />

        <label htmlFor={fields.housingCost.id}>Monthly rent or mortgage ($)</label>
        <input
          {...getInputProps(fields.housingCost, { type: "text" })}
          inputMode="decimal"
          aria-describedby={fields.housingCost.errors ? fields.housingCost.errorId : undefined}
        />
        <FieldError id={fields.housingCost.errorId} errors={fields.housingCost.errors} />

        <p className="muted">
          Your SSN and date of birth are encrypted and never shown in full again.
        </p>
        <button type="submit" disabled={busy}>
          {busy ? "Saving…" : "Continue"}
        </button>
      </Form>
    </BorrowerShell>
  );
}

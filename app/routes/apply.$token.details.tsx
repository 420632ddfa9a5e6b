import { getFormProps, useForm } from "@conform-to/react";
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { clientInfo } from "~/app/audit/audit.server";
import { AboutYouInputs, ConsentChecks, type AboutYouFields } from "~/app/borrower/about-you";
import { guardPublicForm, loadJourney } from "~/app/borrower/context.server";
import { parseForm } from "~/app/borrower/form-parse";
import { aboutYouSchema, detailsSchema } from "~/app/borrower/schemas";
import { saveOrRetryLater } from "~/app/borrower/retry-later.server";
import { nextAfterDetails, redirectToNext } from "~/app/borrower/shortcuts.server";
import { consentsGiven, saveDetails, saveDetailsAndConsents } from "~/app/borrower/steps.server";
import { BorrowerShell, FieldError, Honeypot } from "~/app/borrower/ui";

const centsToDollars = (cents: number | null) =>
  cents === null ? "" : (cents / 100).toFixed(2).replace(/\.00$/, "");

/** The four typed fields of the credit check, and — the first time — its consents (issue 17). */
const schemaFor = (options: { ssnOnFile: boolean; withConsents: boolean }) =>
  options.withConsents ? aboutYouSchema(options) : detailsSchema(options);

export async function loader({ params }: LoaderFunctionArgs) {
  const j = await loadJourney(params.token, "details");
  return {
    merchant: j.merchant.name,
    ssnLast4: j.customer.ssnLast4,
    monthlyIncome: centsToDollars(j.application.monthlyIncomeCents),
    housingCost: centsToDollars(j.application.housingCostCents),
    withConsents: !consentsGiven(j),
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const j = await loadJourney(params.token, "details");
  const formData = await request.formData();
  await guardPublicForm(request, formData);
  const withConsents = !consentsGiven(j);
  const submission = parseForm(
    formData,
    schemaFor({ ssnOnFile: Boolean(j.customer.ssnEnc), withConsents }),
  );
  // Never echo the SSN or date of birth back into the page.
  const hideFields = ["ssn", "dateOfBirth"];
  if (submission.status !== "success") return submission.reply({ hideFields });
  const client = clientInfo(request);
  const { smsConsent, ...details } = submission.value as typeof submission.value & {
    smsConsent?: "on";
  };
  const outcome = await saveOrRetryLater(
    () =>
      withConsents
        ? saveDetailsAndConsents(j, details, client, { sms: smsConsent === "on" })
        : saveDetails(j, details, client),
    (message) => submission.reply({ formErrors: [message], hideFields }),
  );
  if (!outcome.saved) return outcome.response;
  return redirectToNext(j.token, await nextAfterDetails(j, client));
}

export default function Details() {
  const data = useLoaderData<typeof loader>();
  const lastResult = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const schema = schemaFor({ ssnOnFile: Boolean(data.ssnLast4), withConsents: data.withConsents });
  const [form, fields] = useForm({
    lastResult,
    defaultValue: { monthlyIncome: data.monthlyIncome, housingCost: data.housingCost },
    shouldValidate: "onBlur",
    shouldRevalidate: "onInput",
    onValidate: ({ formData }) => parseForm(formData, schema),
  });
  // The consent fields exist only while the consents are asked (withConsents).
  const aboutYou = fields as unknown as AboutYouFields;
  return (
    <BorrowerShell merchantName={data.merchant} page="details" title="A few details about you">
      <Form method="post" className="card" {...getFormProps(form)}>
        <Honeypot />
        <FieldError id={form.errorId} errors={form.errors} />
        <AboutYouInputs fields={aboutYou} ssnLast4={data.ssnLast4} />
        {data.withConsents ? <ConsentChecks fields={aboutYou} /> : null}
        <button type="submit" disabled={busy}>
          {busy ? "Saving…" : data.withConsents ? "Agree and continue" : "Continue"}
        </button>
      </Form>
    </BorrowerShell>
  );
}

import { getFormProps, useForm } from "@conform-to/react";
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { clientInfo } from "~/app/audit/audit.server";
import { AboutYouInputs, ConsentChecks } from "~/app/borrower/about-you";
import { guardPublicForm } from "~/app/borrower/context.server";
import { parseForm } from "~/app/borrower/form-parse";
import { aboutYouSchema } from "~/app/borrower/schemas";
import { BorrowerShell, FieldError, Honeypot } from "~/app/borrower/ui";
import { submitPrequalification } from "~/app/prequal/flow.server";
import { markOpened } from "~/app/prequal/prequalifications.server";
import { loadPrequalJourney } from "~/app/prequal/result.server";

/**
 * The borrower's prequalification, one screen (docs/product/merchants-and-money.md): what the
 * business already gave us is shown to confirm, not typed again; the credit check's four fields
 * and its consents; the result at once on the next page.
 */
export async function loader({ params, request }: LoaderFunctionArgs) {
  const j = await loadPrequalJourney(params.token);
  if (j.prequal.status === "prequalified" || j.prequal.status === "not_prequalified") {
    throw redirect(`/prequal/${j.token}/result`);
  }
  await markOpened(j, clientInfo(request));
  const c = j.customer;
  return {
    merchant: j.merchant.name,
    name: `${c.firstName} ${c.lastName}`,
    address: [c.addressLine1, c.city, [c.state, c.postalCode].filter(Boolean).join(" ")]
      .filter(Boolean)
      .join(", "),
    phoneLast4: c.phone.slice(-4),
    ssnLast4: c.ssnLast4,
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const j = await loadPrequalJourney(params.token);
  const formData = await request.formData();
  await guardPublicForm(request, formData);
  const submission = parseForm(formData, aboutYouSchema({ ssnOnFile: Boolean(j.customer.ssnEnc) }));
  // Never echo the SSN or date of birth back into the page.
  const hideFields = ["ssn", "dateOfBirth"];
  if (submission.status !== "success") return submission.reply({ hideFields });
  const { smsConsent, ...answers } = submission.value;
  const outcome = await submitPrequalification(
    j,
    { ...answers, sms: smsConsent === "on" },
    clientInfo(request),
  );
  if (outcome === "unavailable") {
    return submission.reply({
      formErrors: ["We couldn't reach the credit bureau just now. Please try again in a minute."],
      hideFields,
    });
  }
  return redirect(`/prequal/${j.token}/result`);
}

export default function Prequalify() {
  const d = useLoaderData<typeof loader>();
  const lastResult = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const schema = aboutYouSchema({ ssnOnFile: Boolean(d.ssnLast4) });
  const [form, fields] = useForm({
    lastResult,
    shouldValidate: "onSubmit",
    shouldRevalidate: "onInput",
    onValidate: ({ formData }) => parseForm(formData, schema),
  });
  return (
    <BorrowerShell merchantName={d.merchant} title="See if you prequalify">
      <p>
        This is a <strong>soft credit inquiry</strong>, never a hard pull: it does not affect your
        credit score. You'll see your result right away.
      </p>
      <Form method="post" className="card" {...getFormProps(form)}>
        <Honeypot />
        <FieldError id={form.errorId} errors={form.errors} />
        <h2>Is this you?</h2>
        <dl className="facts">
          <dt>Name</dt>
          <dd>{d.name}</dd>
          {d.address ? (
            <>
              <dt>Address</dt>
              <dd>{d.address}</dd>
            </>
          ) : null}
          <dt>Mobile</dt>
          <dd>ending in {d.phoneLast4}</dd>
        </dl>
        <p className="muted small">
          From {d.merchant}. If something is wrong, ask them to correct it before you continue.
        </p>
        <AboutYouInputs fields={fields} ssnLast4={d.ssnLast4} />
        <ConsentChecks fields={fields} />
        <button type="submit" disabled={busy}>
          {busy ? "Checking…" : "Yes, this is me — check if I prequalify"}
        </button>
      </Form>
    </BorrowerShell>
  );
}

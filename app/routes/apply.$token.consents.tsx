import { getFormProps, getInputProps, useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod/v4";
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { clientInfo } from "~/app/audit/audit.server";
import { consentTexts } from "~/app/borrower/consent-texts";
import { guardPublicForm, loadJourney } from "~/app/borrower/context.server";
import { pagePath } from "~/app/borrower/journey";
import { saveOrRetryLater } from "~/app/borrower/retry-later.server";
import { consentsSchema } from "~/app/borrower/schemas.server";
import { pageAfterDetails } from "~/app/borrower/shortcuts.server";
import { saveConsents } from "~/app/borrower/steps.server";
import { BorrowerShell, FieldError, Honeypot } from "~/app/borrower/ui";

export async function loader({ params }: LoaderFunctionArgs) {
  const j = await loadJourney(params.token, "consents");
  return { merchant: j.merchant.name };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const j = await loadJourney(params.token, "consents");
  const formData = await request.formData();
  await guardPublicForm(request, formData);
  const submission = parseWithZod(formData, { schema: consentsSchema });
  if (submission.status !== "success") return submission.reply();
  const outcome = await saveOrRetryLater(
    () => saveConsents(j, clientInfo(request), { sms: submission.value.smsConsent === "on" }),
    (message) => submission.reply({ formErrors: [message] }),
  );
  if (!outcome.saved) return outcome.response;
  // Only an application started before consents moved onto the details page comes here.
  return redirect(pagePath(j.token, await pageAfterDetails(j, clientInfo(request))));
}

const items = [
  { field: "creditPull", kind: "credit_pull" },
  { field: "esign", kind: "esign" },
  { field: "privacy", kind: "privacy" },
] as const;

export default function Consents() {
  const data = useLoaderData<typeof loader>();
  const lastResult = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const [form, fields] = useForm<{ creditPull: string; esign: string; privacy: string }>({
    lastResult,
    // Validated on the server only: three checkboxes need no schema in the phone's browser.
    shouldValidate: "onSubmit",
  });
  return (
    <BorrowerShell merchantName={data.merchant} page="consents" title="Before we check your offers">
      <Form method="post" {...getFormProps(form)}>
        <Honeypot />
        <FieldError id={form.errorId} errors={form.errors} />
        {items.map(({ field, kind }) => {
          const meta = fields[field];
          const text = consentTexts[kind];
          return (
            <section key={field} className="card consent">
              <h2>{text.title}</h2>
              <p id={`${meta.id}-text`}>{text.text}</p>
              <label className="check">
                <input
                  {...getInputProps(meta, { type: "checkbox", value: "on" })}
                  aria-describedby={[`${meta.id}-text`, meta.errors ? meta.errorId : ""]
                    .join(" ")
                    .trim()}
                />{" "}
                I agree
              </label>
              <FieldError id={meta.errorId} errors={meta.errors} />
            </section>
          );
        })}
        {/* TCPA: the borrower's own permission, unticked, not a condition of credit. */}
        <section className="card consent">
          <h2>{consentTexts.sms.title}</h2>
          <p id="sms-consent-text">{consentTexts.sms.text}</p>
          <label className="check">
            <input
              type="checkbox"
              name="smsConsent"
              value="on"
              defaultChecked={false}
              aria-describedby="sms-consent-text"
            />{" "}
            Yes, text me about this application
          </label>
        </section>
        <button type="submit" disabled={busy}>
          {busy ? "Saving…" : "Agree and continue"}
        </button>
      </Form>
    </BorrowerShell>
  );
}

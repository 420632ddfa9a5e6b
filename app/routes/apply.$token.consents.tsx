import { getFormProps, useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod/v4";
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { clientInfo } from "~/app/audit/audit.server";
import { ConsentChecks } from "~/app/borrower/about-you";
import { guardPublicForm, loadJourney } from "~/app/borrower/context.server";
import { saveOrRetryLater } from "~/app/borrower/retry-later.server";
import { consentsSchema } from "~/app/borrower/schemas.server";
import { nextAfterDetails, redirectToNext } from "~/app/borrower/shortcuts.server";
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
  return redirectToNext(j.token, await nextAfterDetails(j, clientInfo(request)));
}

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
        <ConsentChecks fields={fields} />
        <button type="submit" disabled={busy}>
          {busy ? "Saving…" : "Agree and continue"}
        </button>
      </Form>
    </BorrowerShell>
  );
}

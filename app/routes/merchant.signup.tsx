import { getFormProps, useForm } from "@conform-to/react";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { clientInfo } from "~/app/audit/audit.server";
import { parseForm } from "~/app/borrower/form-parse";
import { Honeypot } from "~/app/borrower/ui";
import { getDatabase } from "~/app/db.server";
import { IndustrySelect, SignupField, StateSelect } from "~/app/onboarding/signup-fields";
import { merchantSignupSchema } from "~/app/onboarding/signup-schema";
import { signupAllowed, submitMerchantSignup } from "~/app/onboarding/signup.server";
import { requireSameOrigin } from "~/app/ops/guard.server";
import { FormAlert } from "~/app/ui/fields";

export const meta: MetaFunction = () => [{ title: "Offer FlowPay financing — sign up" }];

export function loader({ request }: LoaderFunctionArgs) {
  return { sent: new URL(request.url).searchParams.get("sent") === "1" };
}

/** docs/product/merchants-and-money.md, "Onboarding": validated, stored for FlowOps' review. */
export async function action({ request }: ActionFunctionArgs) {
  requireSameOrigin(request);
  const formData = await request.formData();
  if (String(formData.get("website") ?? "") !== "")
    throw new Response("Bad Request", { status: 400 });
  const submission = parseForm(formData, merchantSignupSchema);
  // The account number is never sent back into the page.
  const hideFields = ["accountNumber"];
  if (submission.status !== "success") return submission.reply({ hideFields });
  const client = clientInfo(request);
  if (!(await signupAllowed(client))) {
    return submission.reply({
      formErrors: ["Too many sign-ups from this address. Wait a minute and try again."],
      hideFields,
    });
  }
  await submitMerchantSignup(await getDatabase(), submission.value, client);
  return redirect("/merchant/signup?sent=1");
}

export default function MerchantSignup() {
  const { sent } = useLoaderData<typeof loader>();
  const lastResult = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const [form, fields] = useForm({
    lastResult,
    shouldValidate: "onBlur",
    shouldRevalidate: "onInput",
    onValidate: ({ formData }) => parseForm(formData, merchantSignupSchema),
  });
  if (sent) {
    return (
      <main className="page narrow">
        <h1>Thank you — we received your application</h1>
        <div className="card" role="status">
          <p>
            Our team reviews every application, usually within one business day. We will e-mail the
            owner&apos;s address with the answer and, once approved, a link to sign in to your
            merchant portal.
          </p>
          <p>
            <Link to="/merchant/login">Merchant portal sign-in</Link>
          </p>
        </div>
      </main>
    );
  }
  const hasErrors = lastResult?.status === "error";
  return (
    <main className="page narrow">
      <h1>Offer FlowPay financing to your customers</h1>
      <p>
        Tell us about your business. It takes about five minutes; FlowPay reviews every application
        before the business can send financing offers.
      </p>
      <Form method="post" className="card" {...getFormProps(form)}>
        <Honeypot />
        <FormAlert
          message={
            form.errors?.[0] ??
            (hasErrors ? "The application was not sent: please correct the fields below." : null)
          }
        />
        <fieldset>
          <legend>Business</legend>
          <SignupField
            field={fields.legalName}
            label="Legal business name"
            autoComplete="organization"
          />
          <SignupField
            field={fields.dba}
            label="Doing business as (optional)"
            hint="The name your customers know, if it is not the legal name."
          />
          <SignupField
            field={fields.ein}
            label="Employer Identification Number (EIN)"
            hint="9 digits, like 12-3456789."
            inputMode="numeric"
            autoComplete="off"
          />
          <IndustrySelect field={fields.industry} />
          <SignupField
            field={fields.addressLine1}
            label="Street address"
            autoComplete="address-line1"
          />
          <SignupField field={fields.city} label="City" autoComplete="address-level2" />
          <StateSelect field={fields.state} />
          <SignupField
            field={fields.postalCode}
            label="ZIP code"
            inputMode="numeric"
            autoComplete="postal-code"
          />
          <SignupField
            field={fields.expectedMonthlyVolume}
            label="Expected monthly financed volume ($)"
            hint="Roughly how much of your customers' jobs you expect to finance a month."
            inputMode="decimal"
          />
        </fieldset>
        <fieldset>
          <legend>Owner</legend>
          <SignupField field={fields.ownerName} label="Full name" autoComplete="name" />
          <SignupField
            field={fields.ownerEmail}
            label="E-mail"
            type="email"
            hint="The sign-in link to your merchant portal goes here once approved."
            autoComplete="email"
          />
          <SignupField field={fields.ownerPhone} label="Phone" type="tel" autoComplete="tel" />
        </fieldset>
        <fieldset>
          <legend>Payout bank account</legend>
          <p className="muted small">
            Where FlowPay pays your funded jobs. The account number is stored encrypted; only its
            last 4 digits are ever shown again.
          </p>
          <SignupField
            field={fields.routingNumber}
            label="Routing number"
            inputMode="numeric"
            autoComplete="off"
          />
          <SignupField
            field={fields.accountNumber}
            label="Account number"
            inputMode="numeric"
            autoComplete="off"
          />
        </fieldset>
        <button type="submit" disabled={busy}>
          {busy ? "Sending…" : "Send the application"}
        </button>
      </Form>
      <p>
        Already a FlowPay merchant? <Link to="/merchant/login">Sign in</Link>.
      </p>
    </main>
  );
}

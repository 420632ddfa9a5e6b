import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { getDatabase } from "~/app/db.server";
import { fieldErrors, sendLinkSchema } from "~/app/merchant/forms";
import { requirePortal, requirePortalAction } from "~/app/merchant/guard.server";
import { PortalShell, shellUser } from "~/app/merchant/layout";
import { sendFinancingLink } from "~/app/merchant/send-link.server";
import { FieldError, FormAlert } from "~/app/ui/fields";

export const meta: MetaFunction = () => [
  { title: "Send a financing link — FlowPay merchant portal" },
];

export async function loader({ request }: LoaderFunctionArgs) {
  const context = await requirePortal(request, "send:link");
  return { user: shellUser(context) };
}

export async function action({ request }: ActionFunctionArgs) {
  const context = await requirePortalAction(request, "send:link");
  const parsed = sendLinkSchema.safeParse(Object.fromEntries(await request.formData()));
  if (!parsed.success) return { errors: fieldErrors(parsed.error), sent: null };
  const result = await sendFinancingLink(
    await getDatabase(),
    { scope: context.scope, userId: context.user.id, client: context.client },
    parsed.data,
  );
  if (!result.ok) return { errors: { [result.field]: result.message }, sent: null };
  return { errors: {} as Record<string, string>, sent: result };
}

const deliveryText = {
  text_queued: "We are texting the link to the customer now.",
  email_queued: "We are e-mailing the link to the customer now.",
  text_suppressed:
    "This number replied STOP to FlowPay texts, so no text was sent. The link works: ask the customer to reply START, or send it by e-mail.",
} as const;

/** One labelled input with its error (tied by aria-describedby). */
function TextField(props: {
  name: string;
  label: string;
  errors: Record<string, string>;
  type?: string;
  inputMode?: "tel" | "decimal";
  required?: boolean;
}) {
  const error = props.errors[props.name];
  return (
    <>
      <label htmlFor={props.name}>{props.label}</label>
      <input
        id={props.name}
        name={props.name}
        type={props.type ?? "text"}
        inputMode={props.inputMode ?? (props.type === "tel" ? "tel" : undefined)}
        autoComplete="off"
        required={props.required}
        maxLength={props.type === "email" ? 254 : 100}
        aria-describedby={error ? `${props.name}-error` : undefined}
      />
      <FieldError id={`${props.name}-error`} errors={error} />
    </>
  );
}

/** A phone-sized form: one column, native inputs, works without JavaScript. */
export default function MerchantSend() {
  const { user } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const errors: Record<string, string> = data?.errors ?? {};
  const busy = useNavigation().state !== "idle";
  const described = (name: string) => (errors[name] ? `${name}-error` : undefined);
  return (
    <PortalShell user={user} title="Send a financing link">
      {data?.sent ? (
        <div className="card" role="status">
          <p>
            <strong>Link sent.</strong> {deliveryText[data.sent.delivery]}
          </p>
          {data.sent.applicationId ? (
            <p>
              <Link to={`/merchant/applications/${data.sent.applicationId}`}>
                Follow the application
              </Link>
            </p>
          ) : null}
        </div>
      ) : null}
      <Form method="post" className="card narrow-form">
        <FormAlert message={errors.form} />
        <fieldset>
          <legend>What to send</legend>
          <label className="choice">
            <input type="radio" name="kind" value="financing" defaultChecked /> Financing for this
            job
          </label>
          <label className="choice">
            <input type="radio" name="kind" value="prequalification" /> Prequalification: how much
            could they finance (no amount needed)
          </label>
        </fieldset>
        <TextField name="firstName" label="Customer's first name" errors={errors} required />
        <TextField name="lastName" label="Customer's last name" errors={errors} required />
        <TextField name="phone" label="Mobile number" type="tel" errors={errors} required />
        <TextField name="email" label="E-mail (to send by e-mail)" type="email" errors={errors} />
        <TextField
          name="amount"
          label="Job amount ($, for financing)"
          inputMode="decimal"
          errors={errors}
        />
        <label htmlFor="description">What the job is (optional)</label>
        <input id="description" name="description" maxLength={500} />
        <fieldset aria-describedby={described("channel")}>
          <legend>Send the link by</legend>
          <label className="choice">
            <input type="radio" name="channel" value="sms" defaultChecked /> Text message
          </label>
          <label className="choice">
            <input type="radio" name="channel" value="email" /> E-mail
          </label>
        </fieldset>
        <FieldError id="channel-error" errors={errors.channel} />
        <label className="check">
          <input type="checkbox" name="asked" value="yes" aria-describedby={described("asked")} />{" "}
          For a text: the customer asked to receive a text message from FlowPay with a link to apply
          for financing for this job, at this mobile number.
        </label>
        <FieldError id="asked-error" errors={errors.asked} />
        <button type="submit" disabled={busy}>
          {busy ? "Sending…" : "Send the link"}
        </button>
      </Form>
    </PortalShell>
  );
}

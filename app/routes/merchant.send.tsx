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
    "This number replied STOP to FlowPay texts, so no text was sent. The application is open: ask the customer to reply START, or send the link by e-mail.",
} as const;

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
          <p>
            <Link to={`/merchant/applications/${data.sent.applicationId}`}>
              Follow the application
            </Link>
          </p>
        </div>
      ) : null}
      <Form method="post" className="card narrow-form">
        <FormAlert message={errors.form} />
        <label htmlFor="firstName">Customer's first name</label>
        <input
          id="firstName"
          name="firstName"
          autoComplete="off"
          required
          maxLength={100}
          aria-describedby={described("firstName")}
        />
        <FieldError id="firstName-error" errors={errors.firstName} />
        <label htmlFor="lastName">Customer's last name</label>
        <input
          id="lastName"
          name="lastName"
          autoComplete="off"
          required
          maxLength={100}
          aria-describedby={described("lastName")}
        />
        <FieldError id="lastName-error" errors={errors.lastName} />
        <label htmlFor="phone">Mobile number</label>
        <input
          id="phone"
          name="phone"
          type="tel"
          inputMode="tel"
          autoComplete="off"
          required
          aria-describedby={described("phone")}
        />
        <FieldError id="phone-error" errors={errors.phone} />
        <label htmlFor="email">E-mail (to send by e-mail)</label>
        <input
          id="email"
          name="email"
          type="email"
          autoComplete="off"
          aria-describedby={described("email")}
        />
        <FieldError id="email-error" errors={errors.email} />
        <label htmlFor="amount">Job amount ($)</label>
        <input
          id="amount"
          name="amount"
          inputMode="decimal"
          required
          aria-describedby={described("amount")}
        />
        <FieldError id="amount-error" errors={errors.amount} />
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

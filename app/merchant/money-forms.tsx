import { Form, useNavigation } from "@remix-run/react";
import { centsToDollarInput } from "~/app/money/dollars";
import { FieldError, FormAlert } from "~/app/ui/fields";
import { IntentButton } from "~/app/ui/intent-button";
import type { MoneyIntent } from "./money";

/** What the action answered: the intent it was for, and the refusal (field and words), if any. */
export type MoneyAnswer = {
  intent: MoneyIntent;
  field: "amount" | "reason" | "form";
  message: string;
} | null;

/** One labelled input of one form, its id unique on the page, its error tied to it. */
function Field(props: {
  form: MoneyIntent;
  name: "amount" | "reason";
  label: string;
  answer: MoneyAnswer;
  defaultValue?: string;
}) {
  const id = `${props.form}-${props.name}`;
  const error =
    props.answer?.intent === props.form && props.answer.field === props.name
      ? props.answer.message
      : null;
  return (
    <>
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        type="text"
        inputMode={props.name === "amount" ? "decimal" : undefined}
        autoComplete="off"
        required
        maxLength={props.name === "amount" ? 20 : 500}
        defaultValue={props.defaultValue}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
      />
      <FieldError id={`${id}-error`} errors={error} />
    </>
  );
}

/**
 * The application page's money forms (plain posts: no JavaScript needed), only those the
 * status allows and the user's role may use. Each names its intent on its submit button.
 */
export function MoneyForms(props: {
  actions: MoneyIntent[];
  amountCents: number;
  refundKey: string;
  answer: MoneyAnswer;
}) {
  const busy = useNavigation().state !== "idle";
  const { answer } = props;
  const formError = (intent: MoneyIntent) =>
    answer?.intent === intent && answer.field === "form" ? answer.message : null;
  if (props.actions.length === 0) return null;
  return (
    <section aria-labelledby="money-heading">
      <h2 id="money-heading">Job and money</h2>
      {props.actions.includes("complete") ? (
        <Form method="post" className="card">
          <h3>Job done?</h3>
          <p>We ask the customer to release the payment to you.</p>
          <FormAlert message={formError("complete")} />
          <IntentButton intent="complete" disabled={busy}>
            Mark job complete
          </IntentButton>
        </Form>
      ) : null}
      {props.actions.includes("amount") ? (
        <Form method="post" className="card">
          <h3>Change the amount</h3>
          <p>Before funding only. The customer signs again for the new amount.</p>
          <FormAlert message={formError("amount")} />
          <Field
            form="amount"
            name="amount"
            label="New amount ($)"
            answer={answer}
            defaultValue={centsToDollarInput(props.amountCents)}
          />
          <IntentButton intent="amount" disabled={busy}>
            Change amount
          </IntentButton>
        </Form>
      ) : null}
      {props.actions.includes("cancel") ? (
        <Form method="post" className="card">
          <h3>Cancel the financing</h3>
          <p>Before any money is paid out. We tell the customer.</p>
          <FormAlert message={formError("cancel")} />
          <Field form="cancel" name="reason" label="Why is it canceled?" answer={answer} />
          <IntentButton intent="cancel" disabled={busy}>
            Cancel financing
          </IntentButton>
        </Form>
      ) : null}
      {props.actions.includes("refund") ? (
        <Form method="post" className="card">
          <h3>Refund the customer</h3>
          <p>The lender returns it to the customer; it is taken from your next payout.</p>
          <FormAlert message={formError("refund")} />
          <input type="hidden" name="idempotencyKey" value={props.refundKey} />
          <Field form="refund" name="amount" label="Amount to refund ($)" answer={answer} />
          <Field form="refund" name="reason" label="Reason" answer={answer} />
          <IntentButton intent="refund" disabled={busy}>
            Refund
          </IntentButton>
        </Form>
      ) : null}
    </section>
  );
}

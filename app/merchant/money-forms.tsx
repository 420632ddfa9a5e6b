import { Form, useNavigation } from "@remix-run/react";
import type { ReactNode } from "react";
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
  const { answer } = props;
  if (props.actions.length === 0) return null;
  const shown = (intent: MoneyIntent) => props.actions.includes(intent);
  return (
    <section aria-labelledby="money-heading">
      <h2 id="money-heading">Job and money</h2>
      {shown("complete") ? (
        <MoneyForm
          intent="complete"
          title="Job done?"
          text="We ask the customer to release the payment to you."
          button="Mark job complete"
          answer={answer}
        />
      ) : null}
      {shown("amount") ? (
        <MoneyForm
          intent="amount"
          title="Change the amount"
          text="Before funding only. The customer signs again for the new amount."
          button="Change amount"
          answer={answer}
        >
          <Field
            form="amount"
            name="amount"
            label="New amount ($)"
            answer={answer}
            defaultValue={centsToDollarInput(props.amountCents)}
          />
        </MoneyForm>
      ) : null}
      {shown("cancel") ? (
        <MoneyForm
          intent="cancel"
          title="Cancel the financing"
          text="Before any money is paid out. We tell the customer."
          button="Cancel financing"
          answer={answer}
        >
          <Field form="cancel" name="reason" label="Why is it canceled?" answer={answer} />
        </MoneyForm>
      ) : null}
      {shown("refund") ? (
        <MoneyForm
          intent="refund"
          title="Refund the customer"
          text="The lender returns it to the customer; it is taken from your next payout."
          button="Refund"
          answer={answer}
        >
          <input type="hidden" name="idempotencyKey" value={props.refundKey} />
          <Field form="refund" name="amount" label="Amount to refund ($)" answer={answer} />
          <Field form="refund" name="reason" label="Reason" answer={answer} />
        </MoneyForm>
      ) : null}
    </section>
  );
}

/** One action's card: a plain post, its refusal on top, its fields, the button naming its intent. */
function MoneyForm(props: {
  intent: MoneyIntent;
  title: string;
  text: string;
  button: string;
  answer: MoneyAnswer;
  children?: ReactNode;
}) {
  const busy = useNavigation().state !== "idle";
  const { answer } = props;
  return (
    <Form method="post" className="card">
      <h3>{props.title}</h3>
      <p>{props.text}</p>
      <FormAlert
        message={answer?.intent === props.intent && answer.field === "form" ? answer.message : null}
      />
      {props.children}
      <IntentButton intent={props.intent} disabled={busy}>
        {props.button}
      </IntentButton>
    </Form>
  );
}

/**
 * The pricing editor (issue 18): the draft table as a form — tiers with their terms, the
 * table's limits, merchant plans — money in dollars, rates in percent, each field's message
 * beside it. Conform renders it from the draft (or from the server's reply to the last post);
 * "Add …" and "Remove …" are Conform's list buttons, plain submit buttons that the server
 * answers with the changed rows, so they work without JavaScript. Validation is the server's
 * (pricing-form.server.ts), so zod stays out of the browser bundle.
 */
import {
  getFormProps,
  useForm,
  type FieldMetadata,
  type SubmissionResult,
} from "@conform-to/react";
import { Form } from "@remix-run/react";
import type { ReactNode } from "react";
import { FieldError } from "~/app/ui/fields";
import { IntentButton } from "~/app/ui/intent-button";
import { emptyPlan, emptyTerm, emptyTier, type PricingFormValue } from "./pricing-form";
import { LabelledField } from "~/app/ui/fields";
import { DraftToolbar } from "./versions-ui";

type Field = FieldMetadata<string | undefined, PricingFormValue, string[]>;

/** One labelled input with its message (aria-describedby ties them together). */
function Input(props: { field: Field; label: string; hint?: "dollars" | "percent" }) {
  return (
    <LabelledField field={props.field} label={props.label}>
      {(control) => <input {...control} inputMode={props.hint ? "decimal" : undefined} />}
    </LabelledField>
  );
}

/** A fieldset's own messages (the publishing check's problems of a tier or a plan). */
function GroupErrors(props: { id: string; errors?: string[] }) {
  if (!props.errors?.length) return null;
  return (
    <ul id={props.id} className="error" role="alert">
      {props.errors.map((message) => (
        <li key={message}>{message}</li>
      ))}
    </ul>
  );
}

export function PricingEditor(props: {
  pricingId: string;
  version: number;
  defaultValue: PricingFormValue;
  lastResult: SubmissionResult<string[]> | undefined;
  busy: boolean;
  publishButton: ReactNode;
}) {
  const [form, fields] = useForm<PricingFormValue>({
    id: "pricing-editor",
    lastResult: props.lastResult,
    defaultValue: props.defaultValue,
  });
  const tiers = fields.tiers.getFieldList();
  const plans = fields.plans.getFieldList();
  return (
    <Form method="post" className="pricing-editor" {...getFormProps(form)}>
      <input type="hidden" name="pricingId" value={props.pricingId} />
      {/* Enter in a field saves: the first submit button is the form's default, not "Remove …". */}
      <IntentButton intent="save" className="visually-hidden" tabIndex={-1} aria-hidden="true">
        Save draft
      </IntentButton>
      <FieldError id={form.errorId} errors={form.errors} />
      <div className="field">
        <label htmlFor={fields.notes.id}>Notes for this version</label>
        <textarea
          id={fields.notes.id}
          name={fields.notes.name}
          key={fields.notes.key}
          rows={2}
          defaultValue={fields.notes.initialValue ?? ""}
        />
        <FieldError id={fields.notes.errorId} errors={fields.notes.errors} />
      </div>
      <p className="small muted">
        Money in dollars, rates and fees in percent (up to six decimals, kept exactly); scores on
        the FlowPay 0–460 scale; tiers from the highest minimum score to the lowest. Adding or
        removing a row does not save: save the draft to keep it.
      </p>
      <GroupErrors id={fields.tiers.errorId} errors={fields.tiers.errors} />
      {tiers.map((tier, index) => {
        const t = tier.getFieldset();
        const terms = t.terms.getFieldList();
        const label = t.name.initialValue || `#${index + 1}`;
        return (
          <fieldset
            key={tier.key}
            aria-describedby={tier.errors?.length ? tier.errorId : undefined}
          >
            <legend>Tier {label}</legend>
            <GroupErrors id={tier.errorId} errors={tier.errors} />
            <div className="field-row">
              <Input field={t.name} label={`Tier ${label}: letter`} />
              <Input field={t.minScore} label={`Tier ${label}: minimum score`} />
              <Input
                field={t.minAmount}
                label={`Tier ${label}: smallest amount ($)`}
                hint="dollars"
              />
              <Input
                field={t.maxAmount}
                label={`Tier ${label}: largest amount ($)`}
                hint="dollars"
              />
              <Input
                field={t.originationFee}
                label={`Tier ${label}: origination fee (%)`}
                hint="percent"
              />
            </div>
            <GroupErrors id={t.terms.errorId} errors={t.terms.errors} />
            <table className="terms">
              <caption>Tier {label}: terms</caption>
              <thead>
                <tr>
                  <th scope="col">Months</th>
                  <th scope="col">Note rate (%)</th>
                  <th scope="col">
                    <span className="visually-hidden">Remove</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {terms.map((term, j) => {
                  const f = term.getFieldset();
                  return (
                    <tr key={term.key}>
                      <td>
                        <Input field={f.months} label={`Tier ${label}, term ${j + 1}: months`} />
                      </td>
                      <td>
                        <Input
                          field={f.noteRate}
                          label={`Tier ${label}, term ${j + 1}: note rate (%)`}
                          hint="percent"
                        />
                      </td>
                      <td>
                        <button
                          className="secondary small"
                          {...form.remove.getButtonProps({ name: t.terms.name, index: j })}
                        >
                          Remove term {j + 1} of tier {label}
                        </button>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
            <div className="toolbar">
              <button
                className="secondary small"
                {...form.insert.getButtonProps({ name: t.terms.name, defaultValue: emptyTerm })}
              >
                Add a term to tier {label}
              </button>
              <button
                className="secondary small"
                {...form.remove.getButtonProps({ name: fields.tiers.name, index })}
              >
                Remove tier {label}
              </button>
            </div>
          </fieldset>
        );
      })}
      <p>
        <button
          className="secondary"
          {...form.insert.getButtonProps({ name: fields.tiers.name, defaultValue: emptyTier })}
        >
          Add a tier
        </button>
      </p>
      <fieldset>
        <legend>Limits for every tier</legend>
        <div className="field-row">
          <Input field={fields.maxOffers} label="Offers shown at most (2 or 3)" />
          <Input
            field={fields.minMonthlyPayment}
            label="Minimum monthly payment ($)"
            hint="dollars"
          />
          <Input
            field={fields.maxPaymentToIncome}
            label="Payment at most (% of monthly income)"
            hint="percent"
          />
          <Input field={fields.aprCap} label="APR cap (%)" hint="percent" />
          <Input field={fields.lateGraceDays} label="Late charge after (days)" />
          <Input field={fields.lateFee} label="Late charge ($)" hint="dollars" />
        </div>
      </fieldset>
      <GroupErrors id={fields.plans.errorId} errors={fields.plans.errors} />
      {plans.map((plan, index) => {
        const p = plan.getFieldset();
        const name = p.name.initialValue || `#${index + 1}`;
        return (
          <fieldset key={plan.key}>
            <legend>Merchant plan {name}</legend>
            <GroupErrors id={plan.errorId} errors={plan.errors} />
            <div className="field-row">
              <Input field={p.name} label={`Plan ${name}: name`} />
              <div className="field">
                <input
                  type="checkbox"
                  id={p.promotional.id}
                  name={p.promotional.name}
                  key={p.promotional.key}
                  value="on"
                  defaultChecked={p.promotional.initialValue === "on"}
                />{" "}
                <label htmlFor={p.promotional.id}>Plan {name}: 0 % APR promotional offer</label>
              </div>
              <Input field={p.promoMonths} label={`Plan ${name}: promotional term (months)`} />
              <Input
                field={p.promoMerchantFee}
                label={`Plan ${name}: extra merchant fee (%)`}
                hint="percent"
              />
              <Input field={p.promoTiers} label={`Plan ${name}: offered to tiers (e.g. A, B)`} />
              <Input
                field={p.promoMaxAmount}
                label={`Plan ${name}: largest promotional amount ($)`}
                hint="dollars"
              />
            </div>
            <button
              className="secondary small"
              {...form.remove.getButtonProps({ name: fields.plans.name, index })}
            >
              Remove plan {name}
            </button>
          </fieldset>
        );
      })}
      <p>
        <button
          className="secondary"
          {...form.insert.getButtonProps({ name: fields.plans.name, defaultValue: emptyPlan })}
        >
          Add a merchant plan
        </button>
      </p>
      <DraftToolbar busy={props.busy}>{props.publishButton}</DraftToolbar>
    </Form>
  );
}

/** The editor's publish button, for an operator who may submit the draft. */
export function SubmitForApproval({ version }: { version: number }) {
  return <IntentButton intent="publish">Submit v{version} for approval</IntentButton>;
}

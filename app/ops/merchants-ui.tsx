import type { ReactNode } from "react";
import type { MerchantFormField } from "./merchants-form";

type Errors = Partial<Record<MerchantFormField, string>>;

/**
 * One field of the merchant form: label, optional hint, the control and its error. The control
 * is given its id, name and the aria attributes that tie it to the hint and the error, so that
 * every field announces its hint and error the same way (they were written out per field).
 */
function MerchantField(props: {
  field: MerchantFormField;
  label: string;
  errors: Errors;
  hint?: { id: string; text: ReactNode };
  children: (control: {
    id: string;
    name: string;
    "aria-invalid": true | undefined;
    "aria-describedby": string | undefined;
  }) => ReactNode;
}) {
  const { field, errors, hint } = props;
  const errorId = errors[field] ? `${field}-error` : undefined;
  return (
    <>
      <label htmlFor={field}>{props.label}</label>
      {hint ? (
        <p id={hint.id} className="small muted">
          {hint.text}
        </p>
      ) : null}
      {props.children({
        id: field,
        name: field,
        "aria-invalid": errors[field] ? true : undefined,
        "aria-describedby": [hint?.id, errorId].filter(Boolean).join(" ") || undefined,
      })}
      {errors[field] ? (
        <p id={errorId} className="error">
          {errors[field]}
        </p>
      ) : null}
    </>
  );
}

/** The merchant form's fields, shared by the create and edit screens (plain inputs, no JS needed). */
export function MerchantFields(props: {
  mode: "create" | "update";
  values: Partial<Record<MerchantFormField, string>>;
  errors: Errors;
  plans: string[];
  accountLast4?: string | null;
  slug?: string;
}) {
  const { values, errors } = props;
  const decimal = (field: "minAmount" | "maxAmount" | "merchantFee", label: string) => (
    <MerchantField field={field} label={label} errors={errors}>
      {(control) => (
        <input {...control} inputMode="decimal" defaultValue={values[field] ?? ""} required />
      )}
    </MerchantField>
  );
  return (
    <>
      <MerchantField field="name" label="Business name" errors={errors}>
        {(control) => <input {...control} defaultValue={values.name ?? ""} required />}
      </MerchantField>

      {props.mode === "create" ? (
        <MerchantField
          field="slug"
          label="Slug"
          errors={errors}
          hint={{
            id: "slug-hint",
            text: "Lower-case letters, digits and hyphens; it cannot change later.",
          }}
        >
          {(control) => (
            <input {...control} defaultValue={values.slug ?? ""} required autoComplete="off" />
          )}
        </MerchantField>
      ) : (
        <p>
          Slug: <code>{props.slug}</code>
        </p>
      )}

      {decimal("minAmount", "Smallest amount financed ($)")}
      {decimal("maxAmount", "Largest amount financed ($)")}

      <MerchantField field="pricingPlan" label="Pricing plan" errors={errors}>
        {(control) => (
          <select {...control} defaultValue={values.pricingPlan ?? "standard"}>
            {props.plans.map((plan) => (
              <option key={plan} value={plan}>
                {plan}
              </option>
            ))}
            {values.pricingPlan && !props.plans.includes(values.pricingPlan) ? (
              <option value={values.pricingPlan}>
                {values.pricingPlan} (not in published pricing)
              </option>
            ) : null}
          </select>
        )}
      </MerchantField>

      {decimal("merchantFee", "Merchant fee (% of the amount)")}

      <MerchantField
        field="fundingMode"
        label="When the merchant is paid"
        errors={errors}
        hint={{
          id: "funding-mode-hint",
          text: "On completion: the customer releases the payment once the job is done (or it releases itself after 7 days).",
        }}
      >
        {(control) => (
          <select {...control} defaultValue={values.fundingMode ?? "on_completion"}>
            <option value="on_completion">On completion of the job</option>
            <option value="on_signature">On signature</option>
          </select>
        )}
      </MerchantField>

      <MerchantField
        field="upfrontRelease"
        label="Progress payment at signature (% of the amount, 0–50)"
        errors={errors}
        hint={{
          id: "upfront-hint",
          text: "On completion only: this share is paid when the customer signs, the rest when the job is done.",
        }}
      >
        {(control) => (
          <input {...control} inputMode="decimal" defaultValue={values.upfrontRelease ?? "0"} />
        )}
      </MerchantField>

      <MerchantField
        field="disbursementAccount"
        label="Disbursement account number"
        errors={errors}
        hint={{
          id: "account-hint",
          text:
            props.mode === "update"
              ? props.accountLast4
                ? `On file: the account ending in ${props.accountLast4}. Leave empty to keep it.`
                : "No account on file."
              : "Stored encrypted; only its last four digits are shown again.",
        }}
      >
        {(control) => (
          <input
            {...control}
            inputMode="numeric"
            autoComplete="off"
            required={props.mode === "create"}
          />
        )}
      </MerchantField>
    </>
  );
}

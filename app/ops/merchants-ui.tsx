import type { MerchantFormField } from "./merchants-form";

/** The merchant form's fields, shared by the create and edit screens (plain inputs, no JS needed). */
export function MerchantFields(props: {
  mode: "create" | "update";
  values: Partial<Record<MerchantFormField, string>>;
  errors: Partial<Record<MerchantFormField, string>>;
  plans: string[];
  accountLast4?: string | null;
  slug?: string;
}) {
  const { values, errors } = props;
  const described = (field: MerchantFormField, hint?: string) =>
    [hint, errors[field] ? `${field}-error` : undefined].filter(Boolean).join(" ") || undefined;
  const error = (field: MerchantFormField) =>
    errors[field] ? (
      <p id={`${field}-error`} className="error">
        {errors[field]}
      </p>
    ) : null;
  return (
    <>
      <label htmlFor="name">Business name</label>
      <input
        id="name"
        name="name"
        defaultValue={values.name ?? ""}
        required
        aria-invalid={errors.name ? true : undefined}
        aria-describedby={described("name")}
      />
      {error("name")}

      {props.mode === "create" ? (
        <>
          <label htmlFor="slug">Slug</label>
          <p id="slug-hint" className="small muted">
            Lower-case letters, digits and hyphens; it cannot change later.
          </p>
          <input
            id="slug"
            name="slug"
            defaultValue={values.slug ?? ""}
            required
            autoComplete="off"
            aria-invalid={errors.slug ? true : undefined}
            aria-describedby={described("slug", "slug-hint")}
          />
          {error("slug")}
        </>
      ) : (
        <p>
          Slug: <code>{props.slug}</code>
        </p>
      )}

      <label htmlFor="minAmount">Smallest amount financed ($)</label>
      <input
        id="minAmount"
        name="minAmount"
        inputMode="decimal"
        defaultValue={values.minAmount ?? ""}
        required
        aria-invalid={errors.minAmount ? true : undefined}
        aria-describedby={described("minAmount")}
      />
      {error("minAmount")}

      <label htmlFor="maxAmount">Largest amount financed ($)</label>
      <input
        id="maxAmount"
        name="maxAmount"
        inputMode="decimal"
        defaultValue={values.maxAmount ?? ""}
        required
        aria-invalid={errors.maxAmount ? true : undefined}
        aria-describedby={described("maxAmount")}
      />
      {error("maxAmount")}

      <label htmlFor="pricingPlan">Pricing plan</label>
      <select
        id="pricingPlan"
        name="pricingPlan"
        defaultValue={values.pricingPlan ?? "standard"}
        aria-invalid={errors.pricingPlan ? true : undefined}
        aria-describedby={described("pricingPlan")}
      >
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
      {error("pricingPlan")}

      <label htmlFor="merchantFee">Merchant fee (% of the amount)</label>
      <input
        id="merchantFee"
        name="merchantFee"
        inputMode="decimal"
        defaultValue={values.merchantFee ?? ""}
        required
        aria-invalid={errors.merchantFee ? true : undefined}
        aria-describedby={described("merchantFee")}
      />
      {error("merchantFee")}

      <label htmlFor="disbursementAccount">Disbursement account number</label>
      {props.mode === "update" ? (
        <p id="account-hint" className="small muted">
          {props.accountLast4
            ? `On file: the account ending in ${props.accountLast4}. Leave empty to keep it.`
            : "No account on file."}
        </p>
      ) : (
        <p id="account-hint" className="small muted">
          Stored encrypted; only its last four digits are shown again.
        </p>
      )}
      <input
        id="disbursementAccount"
        name="disbursementAccount"
        inputMode="numeric"
        autoComplete="off"
        required={props.mode === "create"}
        aria-invalid={errors.disbursementAccount ? true : undefined}
        aria-describedby={described("disbursementAccount", "account-hint")}
      />
      {error("disbursementAccount")}
    </>
  );
}

import { getInputProps, getSelectProps, type FieldMetadata } from "@conform-to/react";
import type { ReactNode } from "react";
import { FieldError, LabelledField } from "~/app/ui/fields";
import { industries, usStateCodes } from "./signup-schema";

type Field = FieldMetadata<string | undefined>;

/** One labelled input with its hint and first error, tied together for screen readers. */
export function SignupField({
  field,
  label,
  hint,
  type = "text",
  ...attributes
}: {
  field: Field;
  label: string;
  hint?: ReactNode;
  type?: "text" | "email" | "tel";
  inputMode?: "numeric" | "decimal" | "tel" | "email";
  autoComplete?: string;
}) {
  return (
    <LabelledField field={field} label={label} hint={hint}>
      {(control) => (
        <input
          {...getInputProps(field, { type })}
          {...attributes}
          aria-describedby={control["aria-describedby"]}
        />
      )}
    </LabelledField>
  );
}

export function StateSelect({ field }: { field: Field }) {
  return (
    <>
      <label htmlFor={field.id}>State</label>
      <select
        {...getSelectProps(field)}
        autoComplete="address-level1"
        aria-describedby={field.errors ? field.errorId : undefined}
      >
        <option value="">Choose…</option>
        {usStateCodes.map((code) => (
          <option key={code} value={code}>
            {code}
          </option>
        ))}
      </select>
      <FieldError id={field.errorId} errors={field.errors} />
    </>
  );
}

export function IndustrySelect({ field }: { field: Field }) {
  return (
    <>
      <label htmlFor={field.id}>Industry</label>
      <select
        {...getSelectProps(field)}
        aria-describedby={field.errors ? field.errorId : undefined}
      >
        <option value="">Choose…</option>
        {Object.entries(industries).map(([value, label]) => (
          <option key={value} value={value}>
            {label}
          </option>
        ))}
      </select>
      <FieldError id={field.errorId} errors={field.errors} />
    </>
  );
}

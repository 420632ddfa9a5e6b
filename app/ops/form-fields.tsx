/**
 * One labelled FlowOps form field wired to Conform (issue 18: one form library in FlowOps):
 * the label, the control (its id, name, default value, aria-invalid and aria-describedby come
 * from Conform's field), and the field's message under it. The control is a render prop, so a
 * field can be an input, a select or a textarea with its own attributes.
 */
import type { ReactNode } from "react";
import { FieldError } from "~/app/ui/fields";

/** What this needs of a Conform field (FieldMetadata of any form). */
export type ConformField = {
  id: string;
  name: string;
  errorId: string;
  errors?: string[];
  initialValue?: unknown;
  key?: string;
};

export type ControlProps = {
  id: string;
  name: string;
  defaultValue: string;
  "aria-invalid": true | undefined;
  "aria-describedby": string | undefined;
};

export function OpsField(props: {
  field: ConformField;
  label: ReactNode;
  children: (control: ControlProps) => ReactNode;
  className?: string;
}) {
  const { field } = props;
  const invalid = Boolean(field.errors?.length);
  return (
    <div className={props.className ?? "field"} key={field.key}>
      <label htmlFor={field.id}>{props.label}</label>
      {props.children({
        id: field.id,
        name: field.name,
        defaultValue: typeof field.initialValue === "string" ? field.initialValue : "",
        "aria-invalid": invalid || undefined,
        "aria-describedby": invalid ? field.errorId : undefined,
      })}
      <FieldError id={field.errorId} errors={field.errors} />
    </div>
  );
}

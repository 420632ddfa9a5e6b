import type { ReactNode } from "react";
/**
 * Form-field pieces shared by the borrower's pages and FlowOps (issue 20: one copy each).
 */

/** A field's first error, tied to its input by `id` (aria-describedby), or nothing. */
export function FieldError({
  id,
  errors,
}: {
  id: string;
  errors?: string | readonly string[] | null;
}) {
  const message = typeof errors === "string" ? errors : errors?.[0];
  if (!message) return null;
  return (
    <p id={id} className="error" role="alert">
      {message}
    </p>
  );
}

/** A form's (or a section's) refusal, announced to screen readers, or nothing. */
export function FormAlert({ message }: { message?: string | null }) {
  if (!message) return null;
  return (
    <p role="alert" className="error">
      {message}
    </p>
  );
}

/** What the last step did (the counterpart of `FormAlert`), announced politely, or nothing. */
export function FormNotice({ message }: { message?: string | null }) {
  if (!message) return null;
  return (
    <p className="ops-notice" role="status">
      {message}
    </p>
  );
}

/** The e-mail field of the FlowOps and merchant-portal sign-in forms (password managers key on it). */
export function SignInEmailField() {
  return (
    <>
      <label htmlFor="email">Work e-mail</label>
      <input id="email" name="email" type="email" autoComplete="username" required />
    </>
  );
}

/** The 6-digit authenticator code field (TOTP enrollment and sign-in share it). */
export function TotpCodeInput() {
  return (
    <>
      <label htmlFor="code">6-digit code from your authenticator app</label>
      <input
        id="code"
        name="code"
        inputMode="numeric"
        autoComplete="one-time-code"
        pattern="[0-9]{6}"
        maxLength={6}
        required
      />
    </>
  );
}

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

/**
 * One labelled form field wired to Conform — FlowOps' forms and the merchant sign-up alike: the
 * label, an optional hint, the control (its id, name, default value, aria-invalid and
 * aria-describedby come from Conform's field) and the field's message under it. The control is a
 * render prop, so a field can be an input, a select or a textarea with its own attributes.
 */
export function LabelledField(props: {
  field: ConformField;
  label: ReactNode;
  /** A line under the label, read with the control (aria-describedby). */
  hint?: ReactNode;
  children: (control: ControlProps) => ReactNode;
  className?: string;
}) {
  const { field } = props;
  const invalid = Boolean(field.errors?.length);
  const hintId = `${field.id}-hint`;
  const described = [props.hint ? hintId : null, invalid ? field.errorId : null]
    .filter(Boolean)
    .join(" ");
  return (
    <div className={props.className ?? "field"} key={field.key}>
      <label htmlFor={field.id}>{props.label}</label>
      {props.hint ? (
        <p className="muted small" id={hintId}>
          {props.hint}
        </p>
      ) : null}
      {props.children({
        id: field.id,
        name: field.name,
        defaultValue: typeof field.initialValue === "string" ? field.initialValue : "",
        "aria-invalid": invalid || undefined,
        "aria-describedby": described || undefined,
      })}
      <FieldError id={field.errorId} errors={field.errors} />
    </div>
  );
}

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

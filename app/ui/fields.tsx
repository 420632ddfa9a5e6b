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

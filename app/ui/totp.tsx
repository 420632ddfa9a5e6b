import { Form, useNavigation } from "@remix-run/react";
import type { ReactNode } from "react";
import { FormAlert, TotpCodeInput } from "~/app/ui/fields";

/**
 * The authenticator-code form of every TOTP step — FlowOps enrollment and sign-in, the merchant
 * portal's optional TOTP and its sign-in step: the refusal, the 6-digit field and a submit
 * button that says it is checking while the request runs. One copy, so the four screens keep
 * the same field, label and alert (the e2e specs find the field by its label).
 */
export function TotpCodeForm(props: {
  error?: string | null;
  /** The button's words when idle. */
  submitLabel: string;
  heading?: string;
  /** Sent as `intent` (FlowOps' verify page tells the code from a recovery code by it). */
  intent?: string;
}) {
  const busy = useNavigation().state !== "idle";
  return (
    <Form method="post" className="card">
      {props.heading ? <h2>{props.heading}</h2> : null}
      <FormAlert message={props.error} />
      {props.intent ? <input type="hidden" name="intent" value={props.intent} /> : null}
      <TotpCodeInput />
      <button type="submit" disabled={busy}>
        {busy ? "Checking…" : props.submitLabel}
      </button>
    </Form>
  );
}

/**
 * The enrollment card: the QR code to scan and the same secret to type by hand. Shared by
 * FlowOps' mandatory enrollment and the portal's optional one; `intro` says why, per product.
 */
export function TotpEnrollmentCard(props: {
  enrollment: { qrCode: string; secret: string };
  heading?: string;
  intro: ReactNode;
  qrAlt: string;
  keyPrompt: string;
  /** The secret's accessible name, where the screen gives it one. */
  secretLabel?: string;
}) {
  return (
    <div className="card">
      {props.heading ? <h2>{props.heading}</h2> : null}
      <p>{props.intro}</p>
      <img
        className="ops-qr"
        src={props.enrollment.qrCode}
        width={200}
        height={200}
        alt={props.qrAlt}
      />
      <p>{props.keyPrompt}</p>
      <p>
        <code className="ops-secret" aria-label={props.secretLabel} data-testid="totp-secret">
          {props.enrollment.secret}
        </code>
      </p>
    </div>
  );
}

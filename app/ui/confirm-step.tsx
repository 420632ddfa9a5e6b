import { Form, Link } from "@remix-run/react";
import type { ReactNode } from "react";
import { IntentButton } from "./intent-button";

/**
 * The confirmation step of an action that cannot be undone (issue 18: revoking an API key,
 * approving and publishing a policy). The first post of the action answers with this card, which
 * says exactly what will happen; its button posts the same intent again with `confirm=yes`.
 * Plain forms and a link, so it works without JavaScript; the server refuses nothing here — it
 * only acts when `confirm=yes` arrives. Shared by FlowOps and the merchant portal.
 */
export function ConfirmStep(props: {
  /** The question, e.g. "Revoke key fp_live_ab12…?". */
  title: string;
  /** What will happen, in full. */
  children: ReactNode;
  intent: string;
  /** Hidden fields posted with the confirmation (the key's id, …). */
  fields?: Record<string, string>;
  confirmLabel: string;
  /** Where "Cancel" goes (the page itself, without the answer). */
  cancelTo: string;
}) {
  return (
    <section className="card confirm-step" role="alert" aria-labelledby="confirm-step-title">
      <h2 id="confirm-step-title">{props.title}</h2>
      {props.children}
      <Form method="post" className="toolbar">
        {Object.entries(props.fields ?? {}).map(([name, value]) => (
          <input key={name} type="hidden" name={name} value={value} />
        ))}
        <input type="hidden" name="confirm" value="yes" />
        <IntentButton intent={props.intent}>{props.confirmLabel}</IntentButton>{" "}
        <Link to={props.cancelTo} className="button secondary">
          Cancel
        </Link>
      </Form>
    </section>
  );
}

/**
 * "Revoke key …?" for FlowOps' merchant page and the merchant portal's key page: what revoking
 * does to the merchant's integration, before it is done.
 */
export type RevokeConfirmation = {
  keyId: string;
  prefix: string;
  name: string;
  mode: string;
  /** ISO time the key was last used, or null. */
  lastUsedAt: string | null;
};

export function RevokeKeyStep(props: RevokeConfirmation & { intent: string; cancelTo: string }) {
  return (
    <ConfirmStep
      title={`Revoke API key ${props.prefix}…?`}
      intent={props.intent}
      fields={{ keyId: props.keyId }}
      confirmLabel={`Revoke key ${props.prefix}… now`}
      cancelTo={props.cancelTo}
    >
      <p>
        The {props.mode} key <code>{props.prefix}…</code> (“{props.name}”) will be refused at once:
        every API call made with it answers <code>401 unauthorized</code> from then on, so whatever
        uses it (the CRM integration) stops creating and updating applications until it is given
        another key. It was{" "}
        {props.lastUsedAt
          ? `last used ${props.lastUsedAt.slice(0, 16).replace("T", " ")} UTC`
          : "never used"}
        . Revoking cannot be undone; to replace a key without a gap, rotate it instead.
      </p>
    </ConfirmStep>
  );
}

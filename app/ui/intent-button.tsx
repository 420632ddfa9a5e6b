import type { ButtonHTMLAttributes } from "react";

/**
 * A submit button that names the action's intent (`name="intent" value=…`), the way every
 * multi-action FlowOps form tells its route what to do — one component instead of the same
 * eight lines of attributes in each form. Works without JavaScript: it is a plain submit button.
 */
export function IntentButton({
  intent,
  ...rest
}: { intent: string } & Omit<ButtonHTMLAttributes<HTMLButtonElement>, "type" | "name" | "value">) {
  return <button type="submit" name="intent" value={intent} {...rest} />;
}

import { Form, NavLink } from "@remix-run/react";
import type { ReactNode } from "react";
import type { OperatorRole } from "~/db/schema/operators";
import { opsNav } from "./nav";
import { can, roleLabels } from "./permissions";
import { FormAlert } from "~/app/ui/fields";

/**
 * The frame of every signed-in FlowOps screen: navigation by permission, who is signed in, sign
 * out, and under the title the screen's outcome banner — `notice` (what the last action did,
 * usually from the redirect's query) and `error` (why it was refused).
 */
export function OpsShell(props: {
  operator: { name: string; email: string; role: OperatorRole };
  title: string;
  notice?: string | null;
  error?: string | null;
  children: ReactNode;
}) {
  const { operator } = props;
  return (
    <div className="ops">
      <header className="ops-header">
        <strong>FlowOps</strong>
        <nav aria-label="FlowOps">
          <ul>
            {opsNav
              .filter((item) => can(operator.role, item.permission))
              .map((item) => (
                <li key={item.to}>
                  <NavLink to={item.to} end={item.to === "/ops"}>
                    {item.label}
                  </NavLink>
                </li>
              ))}
          </ul>
        </nav>
        <div className="ops-user">
          <span>
            {operator.name} · {roleLabels[operator.role]}
          </span>
          <Form method="post" action="/ops/logout">
            <button type="submit" className="link-button">
              Sign out
            </button>
          </Form>
        </div>
      </header>
      <main className="page ops-main">
        <h1>{props.title}</h1>
        {props.notice ? (
          <p role="status" className="ops-notice">
            {props.notice}
          </p>
        ) : null}
        <FormAlert message={props.error} />
        {props.children}
      </main>
    </div>
  );
}

/**
 * A UTC time as FlowOps shows it ("2026-11-28 01:30 UTC", with `seconds` "…01:30:05 UTC"), from
 * an ISO string or epoch milliseconds, or a dash.
 */
export function When(
  props: ({ iso: string | null } | { ms: number | null }) & { seconds?: boolean },
) {
  const iso =
    "ms" in props ? (props.ms === null ? null : new Date(props.ms).toISOString()) : props.iso;
  if (!iso) return <>—</>;
  return <time dateTime={iso}>{iso.slice(0, props.seconds ? 19 : 16).replace("T", " ")} UTC</time>;
}

import type { ReactNode } from "react";
import type { OperatorRole } from "~/db/schema/operators";
import { opsNav } from "./nav";
import { can, roleLabels } from "./permissions";
import { AppShell } from "~/app/ui/app-shell";

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
    <AppShell
      brand="FlowOps"
      navLabel="FlowOps"
      nav={opsNav.filter((item) => can(operator.role, item.permission))}
      home="/ops"
      who={
        <>
          {operator.name} · {roleLabels[operator.role]}
        </>
      }
      logoutAction="/ops/logout"
      title={props.title}
      notice={props.notice}
      error={props.error}
    >
      {props.children}
    </AppShell>
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

import { Form, NavLink } from "@remix-run/react";
import type { ReactNode } from "react";
import { FormAlert, FormNotice } from "~/app/ui/fields";

/**
 * The frame of every signed-in staff screen, FlowOps and the merchant portal alike: a header
 * with the brand, navigation, who is signed in and sign out, then the title and the screen's
 * outcome banner — `notice` (what the last action did) and `error` (why it was refused). One
 * copy so the two back offices keep the same landmarks, banner roles and class names (the
 * e2e specs and the stylesheet rely on them); each caller decides which links a role sees.
 */
export function AppShell(props: {
  brand: ReactNode;
  /** The navigation landmark's accessible name. */
  navLabel: string;
  /** Links the signed-in role may follow; `home` is matched exactly, the others as prefixes. */
  nav: readonly { to: string; label: string }[];
  home: string;
  /** Controls before the user's name (the portal's organization switcher). */
  userControls?: ReactNode;
  /** "Name · Role". */
  who: ReactNode;
  logoutAction: string;
  title: string;
  notice?: string | null;
  error?: string | null;
  children: ReactNode;
}) {
  return (
    <div className="ops">
      <header className="ops-header">
        <strong>{props.brand}</strong>
        <nav aria-label={props.navLabel}>
          <ul>
            {props.nav.map((item) => (
              <li key={item.to}>
                <NavLink to={item.to} end={item.to === props.home}>
                  {item.label}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <div className="ops-user">
          {props.userControls}
          <span>{props.who}</span>
          <Form method="post" action={props.logoutAction}>
            <button type="submit" className="link-button">
              Sign out
            </button>
          </Form>
        </div>
      </header>
      <main className="page ops-main">
        <h1>{props.title}</h1>
        <FormNotice message={props.notice} />
        <FormAlert message={props.error} />
        {props.children}
      </main>
    </div>
  );
}

import { Form, NavLink } from "@remix-run/react";
import type { ReactNode } from "react";
import { canPortal, merchantRoleLabels, portalNav, type MerchantRole } from "./permissions";

export type ShellUser = {
  email: string;
  name: string | null;
  role: MerchantRole;
  merchant: { id: string; name: string };
  memberships: { merchantId: string; merchantName: string }[];
};

/** What every portal loader returns for the shell (from the guard's context). */
export function shellUser(context: {
  user: { email: string; name: string | null };
  role: MerchantRole;
  merchant: { id: string; name: string };
  memberships: { merchantId: string; merchantName: string }[];
}): ShellUser {
  return {
    email: context.user.email,
    name: context.user.name,
    role: context.role,
    merchant: { id: context.merchant.id, name: context.merchant.name },
    memberships: context.memberships.map((m) => ({
      merchantId: m.merchantId,
      merchantName: m.merchantName,
    })),
  };
}

/**
 * The frame of every signed-in portal screen: the merchant's name and, for a user of several
 * merchants, the organization switcher (a plain form: works without JavaScript); navigation by
 * permission; who is signed in; sign out; the screen's outcome banner.
 */
export function PortalShell(props: {
  user: ShellUser;
  title: string;
  notice?: string | null;
  error?: string | null;
  children: ReactNode;
}) {
  const { user } = props;
  return (
    <div className="ops">
      <header className="ops-header">
        <strong>{user.merchant.name}</strong>
        <nav aria-label="Merchant portal">
          <ul>
            {portalNav
              .filter((item) => canPortal(user.role, item.permission))
              .map((item) => (
                <li key={item.to}>
                  <NavLink to={item.to} end={item.to === "/merchant"}>
                    {item.label}
                  </NavLink>
                </li>
              ))}
          </ul>
        </nav>
        <div className="ops-user">
          {user.memberships.length > 1 ? (
            <Form method="post" action="/merchant/switch" className="inline-form">
              <label htmlFor="switch-merchant" className="visually-hidden">
                Merchant
              </label>
              <select id="switch-merchant" name="merchantId" defaultValue={user.merchant.id}>
                {user.memberships.map((m) => (
                  <option key={m.merchantId} value={m.merchantId}>
                    {m.merchantName}
                  </option>
                ))}
              </select>{" "}
              <button type="submit" className="small-button">
                Switch
              </button>
            </Form>
          ) : null}
          <span>
            {user.name ?? user.email} · {merchantRoleLabels[user.role]}
          </span>
          <Form method="post" action="/merchant/logout">
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
        {props.error ? (
          <p role="alert" className="error">
            {props.error}
          </p>
        ) : null}
        {props.children}
      </main>
    </div>
  );
}

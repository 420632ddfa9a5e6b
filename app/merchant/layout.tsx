import { Form } from "@remix-run/react";
import type { ReactNode } from "react";
import { AppShell } from "~/app/ui/app-shell";
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
    <AppShell
      brand={user.merchant.name}
      navLabel="Merchant portal"
      nav={portalNav.filter((item) => canPortal(user.role, item.permission))}
      home="/merchant"
      userControls={
        user.memberships.length > 1 ? (
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
        ) : null
      }
      who={
        <>
          {user.name ?? user.email} · {merchantRoleLabels[user.role]}
        </>
      }
      logoutAction="/merchant/logout"
      title={props.title}
      notice={props.notice}
      error={props.error}
    >
      {props.children}
    </AppShell>
  );
}

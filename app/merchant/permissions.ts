import type { MerchantRole } from "~/db/schema/merchant-users";

/** The portal's roles (routes take them from here, not from db: ADR 038). */
export { merchantRoles } from "~/db/schema/merchant-users";
export type { MerchantRole };

/**
 * Portal permissions are `action:entity` strings; roles are sets of them. One table, read by
 * every portal loader and action through requirePortal (guard.server.ts) and by the navigation
 * (ADR 059). Like FlowOps' app/ops/permissions.ts.
 */
export const allPortalPermissions = [
  "read:overview",
  "read:application",
  "send:link",
  "read:crm_connection",
  "manage:api_key",
  "manage:team",
  /** Mark a job complete (the borrower is then asked to release the payment: ADR 050). */
  "complete:job",
  /** Change an amount, cancel, refund: money the business gives up or re-prices (ADR 053–055). */
  "manage:money",
  /** Payouts and monthly statements. */
  "read:payouts",
] as const;

export type PortalPermission = (typeof allPortalPermissions)[number];

export const portalRolePermissions: Record<MerchantRole, readonly PortalPermission[]> = {
  owner: allPortalPermissions,
  // The office manager runs the integration (keys, CRM) but does not decide who works here.
  manager: [
    "read:overview",
    "read:application",
    "send:link",
    "read:crm_connection",
    "manage:api_key",
    "complete:job",
    "manage:money",
    "read:payouts",
  ],
  // Technicians and office staff: follow applications, send links from a phone and say a job is
  // done (the borrower still releases the payment) — but never give money back or re-price it.
  staff: ["read:overview", "read:application", "send:link", "complete:job"],
};

export function canPortal(role: MerchantRole, permission: PortalPermission) {
  return portalRolePermissions[role].includes(permission);
}

export const merchantRoleLabels: Record<MerchantRole, string> = {
  owner: "Owner",
  manager: "Manager",
  staff: "Staff",
};

/** The portal navigation: each screen and the permission that shows it. */
export const portalNav: { to: string; label: string; permission: PortalPermission }[] = [
  { to: "/merchant", label: "Overview", permission: "read:overview" },
  { to: "/merchant/applications", label: "Applications", permission: "read:application" },
  { to: "/merchant/send", label: "Send a link", permission: "send:link" },
  { to: "/merchant/payouts", label: "Payouts", permission: "read:payouts" },
  { to: "/merchant/team", label: "Team", permission: "manage:team" },
  { to: "/merchant/api-keys", label: "API keys", permission: "manage:api_key" },
  { to: "/merchant/webhooks", label: "Webhooks", permission: "manage:api_key" },
  { to: "/merchant/crm", label: "CRM", permission: "read:crm_connection" },
  { to: "/merchant/security", label: "Security", permission: "read:overview" },
];

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
  ],
  // Technicians and office staff: follow applications and send links from a phone.
  staff: ["read:overview", "read:application", "send:link"],
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
  { to: "/merchant/team", label: "Team", permission: "manage:team" },
  { to: "/merchant/api-keys", label: "API keys", permission: "manage:api_key" },
  { to: "/merchant/webhooks", label: "Webhooks", permission: "manage:api_key" },
  { to: "/merchant/crm", label: "CRM", permission: "read:crm_connection" },
  { to: "/merchant/security", label: "Security", permission: "read:overview" },
];

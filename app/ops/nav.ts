import type { Permission } from "./permissions";

/** The FlowOps navigation: each screen and the permission that shows it. */
export const opsNav: { to: string; label: string; permission: Permission }[] = [
  { to: "/ops", label: "Dashboard", permission: "read:dashboard" },
  { to: "/ops/applications", label: "Applications", permission: "read:application" },
  { to: "/ops/reviews", label: "Review queue", permission: "read:review" },
  { to: "/ops/rules", label: "Rules", permission: "read:rules" },
  { to: "/ops/pricing", label: "Pricing", permission: "read:pricing" },
  { to: "/ops/merchants", label: "Merchants", permission: "read:merchant" },
  {
    to: "/ops/merchant-applications",
    label: "Merchant applications",
    permission: "read:merchant",
  },
  { to: "/ops/reconciliation", label: "Reconciliation", permission: "read:reconciliation" },
  { to: "/ops/jobs", label: "Jobs", permission: "read:job" },
  { to: "/ops/audit", label: "Audit log", permission: "read:audit" },
  { to: "/ops/users", label: "Users", permission: "read:user" },
];

import type { OperatorRole } from "~/db/schema/operators";

/** The roles an operator can have (routes take them from here, not from db: ADR 038). */
export { operatorRoles } from "~/db/schema/operators";

/** What every role reads: the dashboard, an application's status and timeline, merchants. */
const everyRole = ["read:dashboard", "read:application", "read:merchant"] as const;

/**
 * Working the review queue: the credit evidence, the queue, taking and resolving a review.
 * `read:credit_evidence` is bureau and bank data and how the engine used them (ADR 082): the
 * credit report and its factors, the decision's score, rules, tier and reasons, stated and
 * verified income, the bank summary. Underwriting and risk work need it; answering a borrower or
 * a merchant does not.
 */
const reviewWork = [
  "read:credit_evidence",
  "read:review",
  "assign:review",
  "resolve:review",
] as const;

/**
 * Writing policy: rule sets and pricing drafted and published. `approve:policy` is the second
 * pair of eyes on a draft (ADR 069): never the draft's author.
 */
const policyWork = [
  "read:rules",
  "edit:rules",
  "publish:rules",
  "read:pricing",
  "edit:pricing",
  "publish:pricing",
  "approve:policy",
] as const;

/**
 * Permissions are `action:entity` strings; roles are sets of them. One table, read by every
 * loader and action through requirePermission (guard.server.ts) and by the navigation.
 */
export const allPermissions = [
  ...everyRole,
  "reveal:pii",
  ...reviewWork,
  ...policyWork,
  "edit:merchant",
  "manage:api_key",
  "manage:crm_connection",
  "read:reconciliation",
  "resolve:reconciliation",
  "read:job",
  "manage:job",
  "read:audit",
  "read:user",
  "manage:user",
] as const;

export type Permission = (typeof allPermissions)[number];

export const rolePermissions: Record<OperatorRole, readonly Permission[]> = {
  admin: allPermissions,
  underwriter: [...everyRole, "reveal:pii", ...reviewWork, "read:rules", "read:pricing"],
  risk_analyst: [
    ...everyRole,
    "read:credit_evidence",
    "read:review",
    ...policyWork,
    "read:reconciliation",
    "resolve:reconciliation",
    "read:job",
  ],
  // Read-mostly: answers merchants' and borrowers' questions from an application's status,
  // contact and timeline; never sees a full SSN or date of birth, nor credit evidence (ADR 082).
  support: [...everyRole, "read:reconciliation", "read:job"],
};

export function can(role: OperatorRole, permission: Permission) {
  return rolePermissions[role].includes(permission);
}

export const roleLabels: Record<OperatorRole, string> = {
  admin: "Admin",
  underwriter: "Underwriter",
  risk_analyst: "Risk analyst",
  support: "Support",
};

import type { ConditionKind, ConditionStatus } from "~/db/schema/conditions";

/**
 * Funding conditions, the pure part (ADR 035): which statuses still hold funding, what each
 * kind asks the borrower for, and the condition items an underwriter's approval form chose.
 */
export const openConditionStatuses = [
  "pending",
  "submitted",
  "rejected",
] as const satisfies readonly ConditionStatus[];

export const isOpen = (status: ConditionStatus) => status !== "cleared";

export const conditionKindLabels: Record<ConditionKind, { ops: string; borrower: string }> = {
  proof_of_income: {
    ops: "Proof of income",
    borrower: "Proof of income: a recent pay stub, or a bank statement showing your pay",
  },
  identity_document: {
    ops: "Identity document",
    borrower: "A photo or scan of a government-issued photo ID (driver's license or passport)",
  },
  proof_of_address: {
    ops: "Proof of address",
    borrower: "Proof of address: a utility bill or bank statement from the last 60 days",
  },
  other: { ops: "Other document", borrower: "A document" },
};

export const conditionStatusLabels: Record<ConditionStatus, string> = {
  pending: "Needed",
  submitted: "Received — being checked",
  cleared: "Accepted",
  rejected: "Not accepted — please send it again",
};

export type ConditionChoice = { kind: ConditionKind; description: string };

export const maxConditions = 4;

/**
 * The conditions ticked on the approval form: `condition` checkboxes (a kind each) and, for
 * "other", the underwriter's words in `conditionNote`. Returns an error message or the items.
 */
export function parseConditionChoices(
  kinds: readonly string[],
  otherText: string | null,
): { ok: true; items: ConditionChoice[] } | { ok: false; error: string } {
  const known = Object.keys(conditionKindLabels) as ConditionKind[];
  const picked = [...new Set(kinds)];
  if (picked.some((k) => !known.includes(k as ConditionKind))) {
    return { ok: false, error: "Unknown condition" };
  }
  const other = (otherText ?? "").trim();
  const items: ConditionChoice[] = picked
    .filter((k) => k !== "other")
    .map((k) => ({
      kind: k as ConditionKind,
      description: conditionKindLabels[k as ConditionKind].borrower,
    }));
  if (picked.includes("other") || other) {
    if (other.length < 5) {
      return { ok: false, error: "Describe the other document the borrower must send" };
    }
    if (other.length > 500) return { ok: false, error: "Keep the condition under 500 characters" };
    items.push({ kind: "other", description: other });
  }
  if (items.length > maxConditions) {
    return { ok: false, error: `At most ${maxConditions} conditions` };
  }
  return { ok: true, items };
}

/** Persona's statuses and what they mean for the score. Pure; no I/O. */
import { KYC_STATUSES, type KycStatus } from "./types";

export { KYC_STATUSES };

const known = new Set<string>(KYC_STATUSES);

/** Persona's status string → ours, or null for one this code does not know. */
export function parseKycStatus(value: unknown): KycStatus | null {
  return typeof value === "string" && known.has(value) ? (value as KycStatus) : null;
}

/**
 * The score's confidence, from the status alone (Persona's API gives no single number):
 *
 * | status                            | confidence | why                                                        |
 * | --------------------------------- | ---------- | ---------------------------------------------------------- |
 * | approved                          | 0.95       | every check passed and the decision step approved          |
 * | completed                         | 0.8        | every verification passed; no decision step (yet)          |
 * | needs_review                      | 0.6        | something needs a human look                               |
 * | declined, failed                  | 0.1        | a verification failed or the decision step declined        |
 * | created, pending, expired         | 0          | no evidence (not started, in progress, or abandoned)       |
 *
 * A choice of ours, not Persona's: change it here and in docs/sandbox/persona.md.
 */
export function confidenceFor(status: KycStatus): number {
  switch (status) {
    case "approved":
      return 0.95;
    case "completed":
      return 0.8;
    case "needs_review":
      return 0.6;
    case "declined":
    case "failed":
      return 0.1;
    case "created":
    case "pending":
    case "expired":
      return 0;
  }
}

/**
 * How far along the lifecycle a status is. Only used to order two events that carry the
 * same `created-at` (Persona stamps with milliseconds, so this is rare).
 */
export const STATUS_STAGE: Readonly<Record<KycStatus, number>> = {
  created: 0,
  pending: 1,
  completed: 2,
  failed: 2,
  expired: 2,
  needs_review: 3,
  approved: 4,
  declined: 4,
};

/** The inquiry will not change any more by the borrower's doing (a reviewer may still decide). */
export function isTerminalStatus(status: KycStatus): boolean {
  return (
    status === "approved" || status === "declined" || status === "failed" || status === "expired"
  );
}

/**
 * The sandbox's bank chooser: plain data with no imports, so a route can render it as a
 * server-side form (radio buttons posting `publicToken`) that works without JavaScript.
 * What each bank produces is in docs/sandbox/plaid.md and in sandbox.ts.
 */

export type SandboxBankId = "healthy" | "thin" | "overdrafts" | "link-failure";

export type SandboxBank = {
  id: SandboxBankId;
  label: string;
  description: string;
  /** What the chooser posts back; `exchangePublicToken` accepts exactly these. */
  publicToken: string;
};

export const sandboxBanks: readonly SandboxBank[] = [
  {
    id: "healthy",
    label: "First Sandbox Bank — steady payroll",
    description:
      "Checking and savings, 90 days of history, payroll of $2,600 twice a month (about $5,200 a month), average balance about $4,000, never overdrawn.",
    publicToken: "public-sandbox-healthy",
  },
  {
    id: "thin",
    label: "Thin File Credit Union — new account",
    description:
      "One checking account opened 10 days ago with about $200 in it and no payroll deposits.",
    publicToken: "public-sandbox-thin",
  },
  {
    id: "overdrafts",
    label: "Overdraft Savings & Loan — frequent overdrafts",
    description:
      "One checking account, 90 days of history, biweekly payroll of $1,050, overdrawn several times with four NSF/overdraft fees.",
    publicToken: "public-sandbox-overdrafts",
  },
  {
    id: "link-failure",
    label: "Broken Login Bank — link fails",
    description:
      "The bank rejects the login: linking fails with ITEM_LOGIN_REQUIRED and the borrower has to try again or continue without a bank.",
    publicToken: "public-sandbox-link-failure",
  },
] as const;

export function findSandboxBank(publicToken: string): SandboxBank | undefined {
  return sandboxBanks.find((bank) => bank.publicToken === publicToken);
}

/**
 * The bank-link partner (Plaid) as the rest of FlowPay sees it. Two implementations:
 * `sandbox.ts` (in process, a chooser of documented sandbox banks) and `live.ts` (Plaid's
 * API through the official `plaid` SDK). Every failed partner call throws a `PartnerError`
 * (adapters/shared/errors.ts) with `partner: "plaid"`; see docs/sandbox/plaid.md.
 *
 * The access token returned by `exchangePublicToken` is a secret (it reads the borrower's
 * bank data until revoked): store it encrypted, never log it. The adapters never put it in
 * an error.
 */

export type BankSummary = {
  /** Whole-cent integers. */
  averageBalanceCents: number; // average daily (or current, when no history) balance across depository accounts
  minimumBalanceCents: number; // lowest balance seen in the period (from transactions run backwards from current balance)
  currentBalanceCents: number;
  overdraftCount: number; // days/transactions that took a balance below 0, plus NSF/overdraft fee transactions
  nsfCount: number; // NSF / overdraft fee transactions
  monthlyIncomeDepositsCents: number; // average per month of recurring income-like deposits (payroll/direct deposit)
  incomeDepositCount: number;
  daysOfHistory: number;
  accountCount: number;
  accountMasks: string[]; // last 4 only, for display
  /**
   * 30-day windows, counted back from the summary date, that hold at least one income
   * deposit (of `monthsObserved`). With `monthsObserved`, what app/decisioning's
   * `bankSummarySchema` reads for the income component of bank health.
   */
  incomeDepositMonths: number;
  /** Whole 30-day windows in the history (at least 1 when there is any history, else 0). */
  monthsObserved: number;
};

export type LinkTokenResult = { linkToken: string; expiration: string };
export type ExchangeResult = { accessToken: string; itemId: string };

export interface BankLinkAdapter {
  readonly name: "sandbox" | "plaid";
  createLinkToken(input: {
    clientUserId: string;
    webhookUrl?: string;
    signal?: AbortSignal;
  }): Promise<LinkTokenResult>;
  exchangePublicToken(publicToken: string, signal?: AbortSignal): Promise<ExchangeResult>;
  /** Balances + transactions/sync (looping while has_more) → the summary decisioning uses. */
  summarize(accessToken: string, signal?: AbortSignal): Promise<BankSummary>;
  /**
   * Verifies a webhook's Plaid-Verification JWT (ES256 only, key by kid via
   * /webhook_verification_key/get, cached; iat ≤ 5 min old; body SHA-256 compared in
   * constant time). Returns the parsed body or throws PartnerError (permanent).
   *
   * One exception: when the verification key cannot be fetched because Plaid is
   * unreachable or failing (network, timeout, 5xx, 429), the PartnerError is transient —
   * answer the webhook with a 5xx so that Plaid delivers it again.
   */
  verifyWebhook(
    rawBody: string,
    verificationHeader: string | null,
    now?: Date,
  ): Promise<Record<string, unknown>>;
}

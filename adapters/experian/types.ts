/**
 * The credit bureau as the rest of FlowPay sees it: typed values only. Whatever the wire
 * format (every Experian value is a string, dates MMDDYYYY), parse.ts turns it into these
 * types at the adapter's edge.
 */

/** What a soft pull needs. The SSN is used for the call and never stored by the adapter. */
export type CreditPullRequest = {
  /** Our own reference (the application id), sent as the clientReferenceId header. */
  clientReferenceId: string;
  firstName: string;
  lastName: string;
  /** Nine digits, no dashes. */
  ssn: string;
  /** YYYY-MM-DD, when known. */
  dateOfBirth?: string | null;
  address?: {
    line1: string | null;
    city: string | null;
    state: string | null;
    postalCode: string | null;
  } | null;
};

export type TradelineKind = "revolving" | "installment" | "mortgage" | "other";

export type Tradeline = {
  kind: TradelineKind;
  /** The bureau's account-type code, as reported. */
  accountType: string;
  open: boolean;
  balanceCents: number;
  pastDueCents: number;
  monthlyPaymentCents: number;
  creditLimitCents: number | null;
  delinquencies30: number;
  delinquencies60: number;
  delinquencies90: number;
  /** YYYY-MM-DD. */
  openedOn: string | null;
};

export type PublicRecordType = "bankruptcy" | "judgment" | "lien" | "other";

export type PublicRecord = {
  type: PublicRecordType;
  courtName: string | null;
  /** YYYY-MM-DD. */
  filedOn: string | null;
  amountCents: number | null;
  status: string | null;
};

export type Inquiry = {
  /** YYYY-MM-DD. */
  date: string;
  subscriberName: string | null;
};

export type ScoreFactor = {
  /** 1 = most important. */
  rank: number;
  code: string;
  /** Consumer-facing text of the factor (FCRA key factor). */
  description: string;
  /** True when the factor is the number of inquiries (FCRA §609(f)(1)(C) special case). */
  inquiries: boolean;
};

export type CreditReport = {
  bureau: "experian";
  /** When the bureau produced the report (ISO 8601). */
  pulledAt: string;
  /** The report date the bureau states, YYYY-MM-DD. */
  reportDate: string;
  /** Null when the bureau returned no score (no-hit or unscorable file). */
  score: number | null;
  scoreModel: string | null;
  scoreRange: { min: number; max: number };
  scoreFactors: ScoreFactor[];
  tradelines: Tradeline[];
  publicRecords: PublicRecord[];
  inquiries: Inquiry[];
};

export type BureauErrorKind =
  "timeout" | "network" | "server_error" | "rejected" | "invalid_response" | "not_configured";

/** Every bureau failure the adapter reports: the caller decides what it means for the application. */
export class BureauError extends Error {
  override name = "BureauError";
  constructor(
    readonly kind: BureauErrorKind,
    message: string,
    readonly details: { status?: number; attempts?: number } = {},
  ) {
    super(message);
  }

  /** Failures of the bureau's service (not of our request): retried, then reported as an outage. */
  get transient() {
    return this.kind === "timeout" || this.kind === "network" || this.kind === "server_error";
  }
}

export type PullOptions = { signal?: AbortSignal };

export interface CreditBureau {
  readonly name: "experian";
  readonly mode: "sandbox" | "live" | "unconfigured";
  /** Soft inquiry. Resolves to a typed report or rejects with a BureauError. */
  pullSoft(request: CreditPullRequest, options?: PullOptions): Promise<CreditReport>;
}

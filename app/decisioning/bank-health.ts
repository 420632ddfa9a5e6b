import { Decimal, ROUND_HALF_EVEN } from "./decimal";
import type { BankSummary } from "./inputs";

/**
 * Bank health, 0 to 1, from the linked account's summary — four components, each 0–1:
 *
 *   balance    = clamp(average balance / $2,500)                 weight 0.35
 *   cushion    = clamp(minimum balance / $500)  (0 if overdrawn)  weight 0.15
 *   conduct    = 1 − clamp((overdrafts + NSF returns) / 4)        weight 0.25
 *   income     = clamp(months with a regular income deposit
 *                      / months observed)                        weight 0.25
 *
 *   bank health = Σ weight × component, rounded half-even to 4 decimals.
 *
 * No linked account (no summary): 0 — and the default rules send the application to
 * manual review for it. Computed in exact decimals so a replay gives the same digits.
 */
export const bankHealthWeights = {
  balance: "0.35",
  cushion: "0.15",
  conduct: "0.25",
  income: "0.25",
} as const;

export const bankHealthScales = {
  averageBalanceCents: 250_000,
  minimumBalanceCents: 50_000,
  adverseEvents: 4,
} as const;

export type BankHealth = {
  value: string;
  components: { balance: string; cushion: string; conduct: string; income: string } | null;
};

const zero = new Decimal(0);
const one = new Decimal(1);
const clamp = (value: Decimal) => Decimal.min(one, Decimal.max(zero, value));
const fixed = (value: Decimal) => value.toDecimalPlaces(4, ROUND_HALF_EVEN).toFixed(4);

export function bankHealth(summary: BankSummary | null): BankHealth {
  if (!summary) return { value: "0.0000", components: null };
  const balance = clamp(
    new Decimal(summary.averageBalanceCents).div(bankHealthScales.averageBalanceCents),
  );
  const cushion = clamp(
    new Decimal(summary.minimumBalanceCents).div(bankHealthScales.minimumBalanceCents),
  );
  const conduct = one.minus(
    clamp(
      new Decimal(summary.overdraftCount + summary.nsfCount).div(bankHealthScales.adverseEvents),
    ),
  );
  const income =
    summary.monthsObserved > 0
      ? clamp(new Decimal(summary.incomeDepositMonths).div(summary.monthsObserved))
      : zero;
  const total = balance
    .times(bankHealthWeights.balance)
    .plus(cushion.times(bankHealthWeights.cushion))
    .plus(conduct.times(bankHealthWeights.conduct))
    .plus(income.times(bankHealthWeights.income));
  return {
    value: fixed(total),
    components: {
      balance: fixed(balance),
      cushion: fixed(cushion),
      conduct: fixed(conduct),
      income: fixed(income),
    },
  };
}

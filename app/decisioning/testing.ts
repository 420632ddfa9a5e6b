import { sandboxReport } from "~/adapters/experian/sandbox";
import type { CreditReport } from "~/adapters/experian/types";
import { defaultPricingTable } from "./default-pricing";
import { defaultRules } from "./default-rules";
import type { LoadedPricing, LoadedRuleSet } from "./engine";
import type { BankSummary, DecisionInputs } from "./inputs";
import { compileRules, type Rule } from "./rules";

/** Fixtures for tests and the benchmark: an ordinary applicant, the default versions. */
export const fixtureDate = new Date("2026-11-20T15:00:00.000Z");

export const healthyBank: BankSummary = {
  averageBalanceCents: 320_000,
  minimumBalanceCents: 60_000,
  overdraftCount: 0,
  nsfCount: 0,
  incomeDepositMonths: 3,
  monthsObserved: 3,
};

export function sandboxCredit(ssnLast4: string): CreditReport {
  return sandboxReport(
    {
      clientReferenceId: "app_fixture",
      firstName: "Dana",
      lastName: "Rivera",
      ssn: `66612${ssnLast4}`,
    },
    fixtureDate,
  );
}

type Overrides = {
  application?: Partial<DecisionInputs["application"]>;
  merchant?: Partial<DecisionInputs["merchant"]>;
  credit?: DecisionInputs["credit"];
  bank?: BankSummary | null;
  kyc?: Partial<DecisionInputs["kyc"]>;
};

export function applicantInputs(ssnLast4 = "7800", overrides: Overrides = {}): DecisionInputs {
  return {
    application: {
      id: "app_fixture",
      amountCents: 800_000,
      monthlyIncomeCents: 600_000,
      housingCostCents: 150_000,
      ...overrides.application,
    },
    merchant: {
      id: "mer_fixture",
      pricingPlan: "standard",
      merchantFeeBps: 300,
      minAmountCents: 50_000,
      maxAmountCents: 2_500_000,
      ...overrides.merchant,
    },
    credit: overrides.credit ?? { status: "ok", report: sandboxCredit(ssnLast4) },
    bank: overrides.bank === undefined ? healthyBank : overrides.bank,
    kyc: { status: "approved", confidence: "1.00", fraudSignals: [], ...overrides.kyc },
  };
}

export function loadedRuleSet(rules: Rule[] = defaultRules, version = 1): LoadedRuleSet {
  return { id: `rs_fixture_${version}`, version, rules, compiled: compileRules(rules) };
}

export function loadedPricing(table = defaultPricingTable, version = 1): LoadedPricing {
  return { id: `prc_fixture_${version}`, version, table };
}

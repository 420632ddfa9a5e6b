import { describe, expect, it } from "vitest";
import { creditor } from "~/app/decisioning/adverse-action";
import { formatMoney } from "~/app/money/dollars";
import {
  AgreementInputError,
  agreementText,
  buildAgreement,
  dueDate,
  type AgreementDocument,
  type AgreementInput,
} from "./agreement";
import { agreementInput } from "./pdf-fixtures";

describe("the federal box for docs/product/lending.md's $5,000.00 at 9.99 % for 36 months", () => {
  const input = agreementInput();
  const doc = buildAgreement(input);

  it("shows APR, finance charge, amount financed and total of payments in Reg Z order", () => {
    expect(doc.federalBox.map((cell) => cell.label)).toEqual([
      "Annual percentage rate",
      "Finance charge",
      "Amount financed",
      "Total of payments",
    ]);
    expect(doc.federalBox.map((cell) => cell.explanation)).toEqual([
      "The cost of your credit as a yearly rate.",
      "The dollar amount the credit will cost you.",
      "The amount of credit provided to you or on your behalf.",
      "The amount you will have paid after you have made all payments as scheduled.",
    ]);
    expect(doc.federalBox.map((cell) => cell.conspicuous)).toEqual([true, true, false, false]);
  });

  it("takes its numbers from the disclosure", () => {
    const [apr, financeCharge, amountFinanced, total] = doc.federalBox.map((cell) => cell.value);
    expect(input.disclosure.annualPercentageRate).toBe("9.990");
    expect(apr).toBe("9.990%");
    expect(financeCharge).toBe(formatMoney(input.disclosure.financeChargeCents));
    expect(financeCharge).toBe("$807.25");
    expect(amountFinanced).toBe("$5,000.00");
    expect(total).toBe(formatMoney(input.disclosure.totalOfPaymentsCents));
    expect(total).toBe("$5,807.25");
  });

  it("shows the odd last payment as its own group, with real dates", () => {
    expect(doc.paymentSchedule).toEqual([
      { count: 35, amount: "$161.31", when: "Monthly, beginning February 15, 2025" },
      { count: 1, amount: "$161.40", when: "On January 15, 2028" },
    ]);
    const promise = doc.sections.find((s) => s.heading === "Your promise to pay")!;
    expect(promise.paragraphs.join(" ")).toContain(
      "36 monthly payments: 35 payments of $161.31 and a final payment of $161.40",
    );
  });

  it("lists every payment with its due date, ending at a zero balance", () => {
    expect(doc.scheduleTable).toHaveLength(36);
    expect(doc.scheduleTable[0]).toMatchObject({
      number: 1,
      dueDate: "2025-02-15",
      payment: "$161.31",
    });
    expect(doc.scheduleTable[35]).toMatchObject({
      number: 36,
      dueDate: "2028-01-15",
      payment: "$161.40",
      balance: "$0.00",
    });
  });

  it("itemizes the amount financed, paid to the merchant", () => {
    expect(doc.itemization).toEqual([
      { label: "Amount given to you directly", value: "$0.00" },
      { label: "Amount paid to Bright Smile Dental on your behalf", value: "$5,000.00" },
      { label: "Amount financed", value: "$5,000.00" },
      {
        label: "Prepaid finance charge (origination fee, financed into your loan)",
        value: "$0.00",
      },
      {
        label: "Principal amount of your loan (amount financed plus prepaid finance charge)",
        value: "$5,000.00",
      },
    ]);
  });

  it("has the sections the agreement needs, with no prepayment penalty", () => {
    expect(doc.sections.map((s) => s.heading)).toEqual([
      "Parties",
      "Your promise to pay",
      "Interest",
      "Late charge",
      "Prepayment",
      "Electronic records and signatures",
      "Governing terms",
      "Notice to any holder of this contract",
      "Signatures",
    ]);
    const text = agreementText(doc);
    expect(text).toContain("If a payment is more than 15 days late, you will be charged $15.00.");
    expect(text).toContain("you will not have to pay a penalty");
    expect(text).toContain(`${creditor.name}, ${creditor.address}`);
    expect(text).toContain("fixed note rate of 9.990% per year");
    expect(doc.version).toBe("loan-agreement/1");
    expect(doc.loanDate).toBe("2025-01-15");
  });
});

describe("an offer with an origination fee", () => {
  const input = agreementInput({ feeRate: "3.000" });
  const doc = buildAgreement(input);

  it("has an APR above the note rate and itemizes the fee", () => {
    const apr = doc.federalBox[0]!.value;
    expect(Number.parseFloat(apr)).toBeGreaterThan(9.99);
    expect(apr).toBe(`${input.disclosure.annualPercentageRate}%`);
    expect(doc.itemization.map((item) => item.value)).toEqual([
      "$0.00",
      "$5,000.00",
      "$5,000.00",
      "$150.00",
      "$5,150.00",
    ]);
    expect(agreementText(doc)).toContain(
      `Your annual percentage rate (${apr}) is higher than the note rate because it also counts the origination fee of $150.00`,
    );
    expect(agreementText(doc)).toContain(
      "not be entitled to a refund of the prepaid finance charge",
    );
  });
});

describe("a 0 % offer", () => {
  it("says no interest is charged and shows a 0.000% APR", () => {
    const doc = buildAgreement(agreementInput({ noteRate: "0", termMonths: 12 }));
    expect(doc.federalBox[0]!.value).toBe("0.000%");
    expect(doc.federalBox[1]!.value).toBe("$0.00");
    expect(agreementText(doc)).toContain("no interest is charged");
  });
});

describe("dueDate", () => {
  it("adds calendar months, clamping to the end of shorter months", () => {
    const jan31 = new Date("2025-01-31T12:00:00Z");
    expect(dueDate(jan31, 0)).toBe("2025-01-31");
    expect(dueDate(jan31, 1)).toBe("2025-02-28");
    expect(dueDate(jan31, 2)).toBe("2025-03-31");
    expect(dueDate(jan31, 3)).toBe("2025-04-30");
    expect(dueDate(jan31, 12)).toBe("2026-01-31");
    expect(dueDate(jan31, 13)).toBe("2026-02-28");
  });

  it("gives Feb 29 in a leap year (and not in 1900/2100-style century years)", () => {
    expect(dueDate(new Date("2024-01-31T00:00:00Z"), 1)).toBe("2024-02-29");
    expect(dueDate(new Date("2027-12-30T00:00:00Z"), 2)).toBe("2028-02-29");
    expect(dueDate(new Date("2099-12-31T00:00:00Z"), 2)).toBe("2100-02-28");
    expect(dueDate(new Date("1999-12-31T00:00:00Z"), 2)).toBe("2000-02-29");
  });

  it("crosses year ends and uses the UTC calendar date", () => {
    expect(dueDate(new Date("2025-11-30T00:00:00Z"), 3)).toBe("2026-02-28");
    expect(dueDate(new Date("2025-01-31T23:30:00-05:00"), 0)).toBe("2025-02-01");
  });

  it("refuses nonsense", () => {
    expect(() => dueDate(new Date("nope"), 1)).toThrow(RangeError);
    expect(() => dueDate(new Date(), -1)).toThrow(RangeError);
    expect(() => dueDate(new Date(), 1.5)).toThrow(RangeError);
  });

  it("drives the agreement's dates from a month-end loan date", () => {
    const doc = buildAgreement(agreementInput({}, { loanDate: new Date("2024-01-31T15:00:00Z") }));
    expect(doc.scheduleTable.slice(0, 3).map((row) => row.dueDate)).toEqual([
      "2024-02-29",
      "2024-03-31",
      "2024-04-30",
    ]);
    expect(doc.paymentSchedule[0]!.when).toBe("Monthly, beginning February 29, 2024");
  });
});

/** Every leaf of the document with a function that returns a copy with that leaf changed. */
function leafMutations(doc: AgreementDocument) {
  const mutations: { path: string; mutate: () => AgreementDocument }[] = [];
  const visit = (value: unknown, path: (string | number)[]) => {
    if (Array.isArray(value)) value.forEach((item, index) => visit(item, [...path, index]));
    else if (value !== null && typeof value === "object") {
      for (const [key, item] of Object.entries(value)) visit(item, [...path, key]);
    } else {
      mutations.push({
        path: path.join("."),
        mutate: () => {
          const copy = structuredClone(doc) as unknown as Record<string | number, unknown>;
          let target = copy;
          for (const key of path.slice(0, -1)) {
            target = target[key] as Record<string | number, unknown>;
          }
          const last = path[path.length - 1]!;
          const current = target[last];
          target[last] =
            typeof current === "string"
              ? `${current}X`
              : typeof current === "number"
                ? current + 1
                : typeof current === "boolean"
                  ? !current
                  : current;
          return copy as unknown as AgreementDocument;
        },
      });
    }
  };
  visit(doc, []);
  return mutations;
}

describe("agreementText (what the consent hash covers)", () => {
  const doc = buildAgreement(agreementInput({ feeRate: "2.500" }));
  const base = agreementText(doc);

  it("is stable for the same input", () => {
    expect(agreementText(buildAgreement(agreementInput({ feeRate: "2.500" })))).toBe(base);
    expect(base.endsWith("\n")).toBe(true);
  });

  it("changes when any single field of the document changes", () => {
    const mutations = leafMutations(doc);
    expect(mutations.length).toBeGreaterThan(200);
    const unchanged = mutations
      .filter((mutation) => agreementText(mutation.mutate()) === base)
      .map((mutation) => mutation.path);
    expect(unchanged).toEqual([]);
  });

  it("changes when a term of the loan changes", () => {
    const variants: AgreementInput[] = [
      agreementInput({ feeRate: "2.000" }),
      agreementInput({ feeRate: "2.500", noteRate: "10.99" }),
      agreementInput({ feeRate: "2.500", termMonths: 48 }),
      agreementInput({ feeRate: "2.500", amountCents: 500_100 }),
      agreementInput({ feeRate: "2.500" }, { loanDate: new Date("2025-01-16T16:00:00Z") }),
      agreementInput({ feeRate: "2.500" }, { merchant: { name: "Other Dental" } }),
      agreementInput(
        { feeRate: "2.500" },
        { borrower: { fullName: "Alex Rivera", addressLines: ["13 Elm Street"] } },
      ),
    ];
    for (const variant of variants) expect(agreementText(buildAgreement(variant))).not.toBe(base);
  });
});

describe("inputs", () => {
  it("normalizes the borrower's name (NFC, whitespace) so the same name gives the same text", () => {
    const composed = buildAgreement(
      agreementInput({}, { borrower: { fullName: "Zoë O’Brien", addressLines: [] } }),
    );
    const messy = buildAgreement(
      agreementInput(
        {},
        { borrower: { fullName: "  Zoe\u0308 \n O’Brien\u200b ", addressLines: ["", "  "] } },
      ),
    );
    expect(agreementText(messy)).toBe(agreementText(composed));
    expect(composed.sections[0]!.paragraphs[0]).toContain("between you, Zoë O’Brien (the");
  });

  it("refuses an offer, disclosure and schedule that disagree", () => {
    const good = agreementInput();
    const cases: AgreementInput[] = [
      { ...good, offer: { ...good.offer, apr: "10.500" } },
      { ...good, offer: { ...good.offer, amountFinancedCents: 499_999 } },
      { ...good, offer: { ...good.offer, lastPaymentCents: 16_131 } },
      { ...good, schedule: good.schedule.slice(0, 35) },
      { ...good, disclosure: { ...good.disclosure, financeChargeCents: 1 } },
      { ...good, disclosure: { ...good.disclosure, paymentSchedule: [] } },
      { ...good, borrower: { fullName: " ", addressLines: [] } },
      { ...good, loanDate: new Date("invalid") },
    ];
    for (const input of cases) expect(() => buildAgreement(input)).toThrow(AgreementInputError);
  });
});

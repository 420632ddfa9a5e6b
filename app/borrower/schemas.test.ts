import { describe, expect, it } from "vitest";
import { parseForm } from "./form-parse";
import { detailsSchema } from "./schemas";

const today = new Date("2026-06-15T12:00:00Z");
const valid = {
  dateOfBirth: "1985-04-12",
  ssn: "123-45-7800",
  monthlyIncome: "$5,200.50",
  housingCost: "1500",
};

/** What the action (and the browser's onValidate) gets for these fields. */
function submit(fields: Record<string, string>, ssnOnFile = false) {
  const formData = new FormData();
  for (const [name, value] of Object.entries(fields)) formData.append(name, value);
  return parseForm(formData, detailsSchema({ ssnOnFile, today }));
}

/** The first message per field: what FieldError shows. */
function shownErrors(fields: Record<string, string>, ssnOnFile = false) {
  const submission = submit(fields, ssnOnFile);
  if (submission.status === "success") return {};
  return Object.fromEntries(
    Object.entries(submission.error ?? {}).map(([name, errors]) => [name, errors?.[0]]),
  );
}

describe("the details form", () => {
  it("turns what a borrower types into digits and exact cents", () => {
    const submission = submit({ ...valid, ssn: " 123 45-7800 ", housingCost: " 1 500 " });
    expect(submission.status).toBe("success");
    if (submission.status !== "success") return;
    expect(submission.value).toEqual({
      dateOfBirth: "1985-04-12",
      ssn: "123457800",
      monthlyIncome: 520050,
      housingCost: 150000,
    });
  });

  it("asks for every empty field by name", () => {
    expect(shownErrors({ dateOfBirth: "", ssn: "", monthlyIncome: "", housingCost: "" })).toEqual({
      dateOfBirth: "Enter your date of birth",
      ssn: "Enter your Social Security number",
      monthlyIncome: "Enter an amount",
      housingCost: "Enter an amount",
    });
    // A missing field (a hand-made post) reads the same as an empty one.
    expect(shownErrors({})).toMatchObject({ dateOfBirth: "Enter your date of birth" });
  });

  it("keeps the SSN on file when the field is left empty", () => {
    const submission = submit({ ...valid, ssn: "" }, true);
    expect(submission.status).toBe("success");
    if (submission.status === "success") expect(submission.value.ssn).toBeUndefined();
    expect(shownErrors({ ...valid, ssn: "12345" }, true)).toEqual({
      ssn: "Enter your 9-digit Social Security number",
    });
  });

  it.each([
    ["12345", "Enter your 9-digit Social Security number"],
    ["000-12-3456", "Enter your 9-digit Social Security number"],
    ["666-12-3456", "Enter your 9-digit Social Security number"],
    ["900-12-3456", "Enter your 9-digit Social Security number"],
    ["123-00-4567", "Enter your 9-digit Social Security number"],
    [" ", "Enter your 9-digit Social Security number"],
  ])("refuses the SSN %j", (ssn, message) => {
    expect(shownErrors({ ...valid, ssn })).toEqual({ ssn: message });
  });

  it.each([
    ["1985-4-12", "Enter your date of birth as YYYY-MM-DD"],
    ["1985-02-30", "That date doesn't exist"],
    ["2008-06-16", "You must be at least 18 to apply"],
    ["1800-01-01", "Check the year of your date of birth"],
  ])("refuses the date of birth %j", (dateOfBirth, message) => {
    expect(shownErrors({ ...valid, dateOfBirth })).toEqual({ dateOfBirth: message });
  });

  it("accepts a borrower who turns 18 today", () => {
    expect(submit({ ...valid, dateOfBirth: "2008-06-15" }).status).toBe("success");
  });

  it.each([
    ["monthlyIncome", "5200.505", "Enter an amount in dollars, like 4,500"],
    ["monthlyIncome", "-5", "Enter an amount in dollars, like 4,500"],
    ["monthlyIncome", "1000000.01", "That looks too high for a monthly income"],
    ["housingCost", "100000.01", "That looks too high for a monthly housing cost"],
  ])("refuses %s %j", (field, amount, message) => {
    expect(shownErrors({ ...valid, [field]: amount })).toEqual({ [field]: message });
  });

  it("replies without echoing the SSN or date of birth", () => {
    const reply = submit({ ...valid, ssn: "12345" }).reply({ hideFields: ["ssn", "dateOfBirth"] });
    expect(reply.error).toEqual({ ssn: ["Enter your 9-digit Social Security number"] });
    expect(JSON.stringify(reply)).not.toContain("12345");
    expect(JSON.stringify(reply)).not.toContain("1985-04-12");
  });
});

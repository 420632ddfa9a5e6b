import { describe, expect, it } from "vitest";
import { creditorLine, looksLikePlaceholder, parseCreditor, sandboxCreditor } from "./creditors";

const good = {
  legalName: "Prairie State Installment Lending, Inc.",
  address: "800 Commerce Street, Floor 12, Dallas, TX 75202",
  supervisingAgency: {
    name: "Federal Trade Commission",
    address: "Consumer Response Center, 600 Pennsylvania Avenue NW, Washington, DC 20580",
  },
};

describe("a lender's creditor identity (ADR 033)", () => {
  it("takes a real name, a postal address and the supervising agency", () => {
    expect(parseCreditor(good)).toEqual({
      ...good,
      phone: null,
      supervisingAgency: { ...good.supervisingAgency, phone: null },
    });
    expect(creditorLine(parseCreditor(good))).toBe(
      "Prairie State Installment Lending, Inc., 800 Commerce Street, Floor 12, Dallas, TX 75202",
    );
  });

  it("refuses placeholders, missing fields and addresses without state and ZIP", () => {
    for (const bad of [
      { ...good, address: "Address of the creditor — to be set per lender partner" },
      { ...good, address: "TODO, Austin, TX 78701" },
      { ...good, legalName: "Lorem Ipsum Lending" },
      { ...good, legalName: "lender@example.com" },
      { ...good, address: "800 Commerce Street, Dallas" },
      { ...good, supervisingAgency: { name: "FTC" } },
      { legalName: good.legalName, address: good.address },
    ]) {
      expect(() => parseCreditor(bad), JSON.stringify(bad)).toThrow();
    }
  });

  it("the sandbox lender is fictional but has no placeholder in any field", () => {
    const fields = [
      sandboxCreditor.legalName,
      sandboxCreditor.address,
      sandboxCreditor.phone ?? "",
      sandboxCreditor.supervisingAgency.name,
      sandboxCreditor.supervisingAgency.address,
    ];
    expect(fields.filter(looksLikePlaceholder)).toEqual([]);
    expect(parseCreditor(sandboxCreditor)).toEqual(sandboxCreditor);
  });
});

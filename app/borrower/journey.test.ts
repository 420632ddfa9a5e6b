import { describe, expect, it } from "vitest";
import { advance, currentPage, mayVisit, type JourneyState } from "./journey";

const state = (
  status: JourneyState["status"],
  completedStep: JourneyState["completedStep"] = null,
): JourneyState => ({
  status,
  completedStep,
});

describe("the borrower's journey", () => {
  it("walks the form steps in order", () => {
    expect(currentPage(state("link_sent"))).toBe("welcome");
    expect(currentPage(state("in_progress"))).toBe("details");
    expect(currentPage(state("in_progress", "details"))).toBe("consents");
    expect(currentPage(state("in_progress", "identity"))).toBe("review");
    expect(currentPage(state("in_progress", "review"))).toBe("review");
  });

  it("never lets a borrower skip ahead", () => {
    expect(mayVisit("bank", state("in_progress", "details"))).toBe(false);
    expect(mayVisit("review", state("in_progress"))).toBe(false);
    expect(mayVisit("offers", state("in_progress", "identity"))).toBe(false);
    expect(mayVisit("sign", state("in_progress", "identity"))).toBe(false);
  });

  it("opens the documents page of funding conditions from approval until the loan is paid", () => {
    for (const status of ["approved", "offer_accepted", "pending_funding"] as const) {
      expect(mayVisit("conditions", state(status)), status).toBe(true);
    }
    for (const status of [
      "in_progress",
      "submitted",
      "manual_review",
      "declined",
      "funded",
      "canceled",
    ] as const) {
      expect(mayVisit("conditions", state(status, "review")), status).toBe(false);
    }
  });

  it("lets a borrower go back to correct an earlier step until submitting", () => {
    expect(mayVisit("details", state("in_progress", "bank"))).toBe(true);
    expect(mayVisit("details", state("submitted"))).toBe(false);
  });

  it("sends each decision to its page and refuses signing anything but an approval", () => {
    expect(currentPage(state("submitted"))).toBe("pending");
    expect(currentPage(state("approved"))).toBe("offers");
    expect(mayVisit("sign", state("approved"))).toBe(true);
    expect(mayVisit("sign", state("declined"))).toBe(false);
    expect(mayVisit("sign", state("manual_review"))).toBe(false);
    expect(currentPage(state("declined"))).toBe("declined");
    expect(currentPage(state("manual_review"))).toBe("in-review");
    expect(currentPage(state("offer_accepted"))).toBe("done");
    expect(currentPage(state("funded"))).toBe("done");
    expect(mayVisit("sign", state("offer_accepted"))).toBe(false);
    expect(currentPage(state("canceled"))).toBe("closed");
  });

  it("never moves the completed step backwards", () => {
    expect(advance(null, "details")).toBe("details");
    expect(advance("bank", "details")).toBe("bank");
    expect(advance("bank", "identity")).toBe("identity");
  });
});

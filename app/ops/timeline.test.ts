import { describe, expect, it } from "vitest";
import { auditDetailText, mergeTimeline, shorten, type TimelineEvent } from "./timeline";

const event = (at: string, source: TimelineEvent["source"], title: string): TimelineEvent => ({
  at,
  source,
  title,
  detail: null,
  tone: null,
});

describe("mergeTimeline", () => {
  it("oldest first across sources; same instant by source order, then as given", () => {
    const t = "2026-11-27T10:00:00.000Z";
    const merged = mergeTimeline(
      [event("2026-11-27T10:05:00.000Z", "message", "text"), event(t, "audit", "audit 1")],
      [event(t, "decision", "decided"), event(t, "audit", "audit 2")],
      [event("2026-11-27T09:00:00.000Z", "crm", "note")],
      [event(t, "application", "created")],
    );
    expect(merged.map((e) => e.title)).toEqual([
      "note",
      "created",
      "decided",
      "audit 1",
      "audit 2",
      "text",
    ]);
  });
});

describe("auditDetailText", () => {
  it("scalars and string lists only, shortened", () => {
    expect(
      auditDetailText({
        decisionId: "dec_1",
        offers: 3,
        ok: true,
        reasons: ["a", "b"],
        nested: { ssn: "123" },
        none: null,
      }),
    ).toBe("decisionId: dec_1 · offers: 3 · ok: true · reasons: a, b");
    expect(auditDetailText(null)).toBeNull();
    expect(auditDetailText({ nested: { x: 1 } })).toBeNull();
    expect(auditDetailText({ reason: "x".repeat(300) }, 20)).toHaveLength(20);
  });

  it("shorten keeps one line", () => {
    expect(shorten("line one\n  line two")).toBe("line one line two");
    expect(shorten("abcdef", 4)).toBe("abc…");
    expect(shorten(null)).toBeNull();
  });
});

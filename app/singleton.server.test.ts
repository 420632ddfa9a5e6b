import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { firstTimeInProcess, processSlot, singleton } from "./singleton.server";

// A fresh name per test: the state is process-wide on purpose.
const name = () => `test.${randomUUID()}`;

describe("process-wide state", () => {
  it("creates a singleton once; a re-evaluated module's factory gets the first one back", () => {
    const key = name();
    const first = singleton(key, () => ({ made: 1 }));
    // What a dev rebuild does: the module runs again with a new factory.
    const again = singleton(key, () => ({ made: 2 }));
    expect(again).toBe(first);
    expect(again.made).toBe(1);
  });

  it("says true only the first time for a name", () => {
    const key = name();
    expect([firstTimeInProcess(key), firstTimeInProcess(key), firstTimeInProcess(key)]).toEqual([
      true,
      false,
      false,
    ]);
  });

  it("keeps a slot the caller sets, replaces and clears", () => {
    const key = name();
    const slot = processSlot<string>(key);
    expect(slot.get()).toBeUndefined();
    slot.set("a");
    expect(processSlot<string>(key).get()).toBe("a");
    slot.set("b");
    expect(slot.get()).toBe("b");
    slot.clear();
    expect(slot.get()).toBeUndefined();
  });
});

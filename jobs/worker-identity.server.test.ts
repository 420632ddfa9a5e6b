import { describe, expect, it } from "vitest";
import { newWorkerId, parseWorkerId, thisProcess, workerIsDead } from "./worker-identity.server";

const self = { host: "app-1~4026531836", pid: 1, start: "m1abc" };
const alive = new Set([1, 200]);
const isAlive = (pid: number) => alive.has(pid);
const dead = (id: string) => workerIsDead(id, self, isAlive);

describe("worker identity (ADR 071)", () => {
  it("names this process: host, pid, start, random", () => {
    const id = newWorkerId();
    expect(parseWorkerId(id)).toEqual(thisProcess);
    expect(newWorkerId()).not.toBe(id);
    expect(workerIsDead(id)).toBe(false);
  });

  it("a worker on this host whose pid is gone is dead", () => {
    expect(dead("app-1~4026531836:300:m1aaa:abcdef")).toBe(true);
  });

  it("a predecessor that had this process's pid (a container's pid 1) is dead", () => {
    expect(dead("app-1~4026531836:1:m0zzz:abcdef")).toBe(true);
  });

  it("another runner of this very process is alive", () => {
    expect(dead("app-1~4026531836:1:m1abc:123456")).toBe(false);
  });

  it("a live pid is alive, even if it might be a reuse: its lease expires as before", () => {
    expect(dead("app-1~4026531836:200:m1aaa:abcdef")).toBe(false);
  });

  it("never judges another host, another pid namespace, or an id of another form", () => {
    expect(dead("app-2~4026531836:300:m1aaa:abcdef")).toBe(false);
    expect(dead("app-1~4026532000:300:m1aaa:abcdef")).toBe(false);
    expect(dead("w1")).toBe(false);
    expect(dead("app-1:300:abcdef")).toBe(false); // before ADR 071: host:pid:random
  });
});

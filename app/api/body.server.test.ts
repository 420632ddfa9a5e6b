import { describe, expect, it } from "vitest";
import { readCapped } from "./body.server";

const request = (body: BodyInit, headers: Record<string, string> = {}) =>
  new Request("http://flowpay.test/api/v1/crm/offer-financing", {
    method: "POST",
    body,
    headers,
    duplex: "half",
  } as RequestInit);

/** A body sent in chunks without a declared length (chunked transfer encoding). */
const chunked = (chunks: number, size: number) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < chunks; i++) controller.enqueue(new Uint8Array(size).fill(120));
      controller.close();
    },
  });

describe("readCapped: the API's body reader", () => {
  it("reads a body with a declared length within the cap", async () => {
    const text = JSON.stringify({ crm: "fieldroutes" });
    const bytes = await readCapped(request(text, { "content-length": String(text.length) }), 64);
    expect(new TextDecoder().decode(bytes!)).toBe(text);
  });

  it("refuses a declared length over the cap without reading it", async () => {
    expect(await readCapped(request("x".repeat(65), { "content-length": "65" }), 64)).toBeNull();
  });

  it("refuses a body larger than the cap even when its declared length says less", async () => {
    expect(await readCapped(request("x".repeat(100), { "content-length": "10" }), 64)).toBeNull();
  });

  it("reads a chunked body within the cap, and refuses one that grows past it", async () => {
    expect((await readCapped(request(chunked(4, 16)), 64))?.byteLength).toBe(64);
    expect(await readCapped(request(chunked(5, 16)), 64)).toBeNull();
  });
});

import { describe, expect, it } from "vitest";
import {
  describeError,
  httpStatusError,
  isPermanentError,
  isPermanentHttpStatus,
  JobTimeoutError,
  permanent,
  PermanentError,
} from "./errors";

describe("job error classification", () => {
  it("treats partner 4xx as permanent, except timeouts, in-flight conflicts and rate limits", () => {
    for (const status of [400, 401, 403, 404, 410, 422])
      expect(isPermanentHttpStatus(status)).toBe(true);
    for (const status of [408, 409, 425, 429, 500, 502, 503, 200]) {
      expect(isPermanentHttpStatus(status)).toBe(false);
    }
    expect(isPermanentError(httpStatusError(422, "lender rejected the loan"))).toBe(true);
    expect(isPermanentError(httpStatusError(503, "lender unavailable"))).toBe(false);
    expect(httpStatusError(422, "lender rejected the loan").message).toBe(
      "lender rejected the loan (HTTP 422)",
    );
  });

  it("recognises PermanentError, wrapped errors and adapters' own `permanent: true` errors", () => {
    expect(isPermanentError(new PermanentError("no"))).toBe(true);
    const wrapped = permanent(new TypeError("bad input"));
    expect(isPermanentError(wrapped)).toBe(true);
    expect(wrapped.message).toBe("TypeError: bad input");
    expect(wrapped.cause).toBeInstanceOf(TypeError);
    expect(isPermanentError(Object.assign(new Error("partner said no"), { permanent: true }))).toBe(
      true,
    );
    expect(isPermanentError(new Error("flaky"))).toBe(false);
    expect(isPermanentError(new JobTimeoutError("slow"))).toBe(false);
    expect(isPermanentError("string")).toBe(false);
  });

  it("describes errors by name and message, bounded", () => {
    expect(describeError(new Error("plain"))).toBe("plain");
    expect(describeError(new JobTimeoutError("timed out"))).toBe("JobTimeoutError: timed out");
    expect(describeError("thrown string")).toBe("thrown string");
    expect(describeError(new Error("x".repeat(5000))).length).toBe(2000);
  });
});

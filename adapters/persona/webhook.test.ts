import { describe, expect, it } from "vitest";
import { PartnerError } from "~/adapters/shared/errors";
import { applyInOrder, statusForEvent } from "./events";
import { type KycEvent } from "./types";
import {
  SIGNATURE_TOLERANCE_SECONDS,
  parseSignatureHeader,
  personaEventBody,
  personaSignature,
  personaSignatureHeader,
  verifyPersonaWebhook,
} from "./webhook";

const OLD_SECRET = "wbhsec_old_0000";
const NEW_SECRET = "wbhsec_new_1111";
const NOW = new Date("2025-06-01T12:00:00.000Z");
const T = Math.floor(NOW.getTime() / 1000);

const body = personaEventBody({
  eventId: "evt_1",
  name: "inquiry.approved",
  createdAt: new Date("2025-06-01T11:59:58.000Z"),
  inquiryId: "inq_abc",
  referenceId: "app_42",
});

function rejection(fn: () => unknown): PartnerError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(PartnerError);
    const partnerError = error as PartnerError;
    expect(partnerError.partner).toBe("persona");
    expect(partnerError.permanent).toBe(true);
    return partnerError;
  }
  throw new Error("expected a PartnerError");
}

describe("Persona-Signature", () => {
  it("is hex(HMAC-SHA256(secret, t.body)) — an independent vector", () => {
    // printf '%s' '1700000000.{"a":1}' | openssl dgst -sha256 -hmac 'wbhsec_test'
    expect(personaSignature('{"a":1}', "wbhsec_test", 1700000000)).toBe(
      "5125d9de9279d564db197b70a6c699dd005beb53dc22371dcaf347ac390940d7",
    );
  });

  it("accepts a valid signature and parses the event", () => {
    const header = personaSignatureHeader(body, NEW_SECRET, T);
    const event = verifyPersonaWebhook(body, header, [NEW_SECRET], NOW);
    expect(event).toEqual({
      eventId: "evt_1",
      name: "inquiry.approved",
      createdAt: new Date("2025-06-01T11:59:58.000Z"),
      inquiryId: "inq_abc",
      status: "approved",
      referenceId: "app_42",
    });
  });

  it("accepts t a little in the past or the future, within 5 minutes", () => {
    for (const t of [T - SIGNATURE_TOLERANCE_SECONDS, T + 30, T + SIGNATURE_TOLERANCE_SECONDS]) {
      const header = personaSignatureHeader(body, NEW_SECRET, t);
      expect(verifyPersonaWebhook(body, header, [NEW_SECRET], NOW).eventId).toBe("evt_1");
    }
  });

  it("rejects a stale t (older than 5 minutes) and one too far ahead", () => {
    const stale = personaSignatureHeader(body, NEW_SECRET, T - SIGNATURE_TOLERANCE_SECONDS - 1);
    expect(rejection(() => verifyPersonaWebhook(body, stale, [NEW_SECRET], NOW)).code).toBe(
      "STALE_SIGNATURE",
    );
    const ahead = personaSignatureHeader(body, NEW_SECRET, T + SIGNATURE_TOLERANCE_SECONDS + 1);
    expect(rejection(() => verifyPersonaWebhook(body, ahead, [NEW_SECRET], NOW)).code).toBe(
      "STALE_SIGNATURE",
    );
  });

  it("rejects a wrong secret and a tampered body", () => {
    const header = personaSignatureHeader(body, "wbhsec_someone_else", T);
    expect(rejection(() => verifyPersonaWebhook(body, header, [NEW_SECRET], NOW)).code).toBe(
      "BAD_SIGNATURE",
    );
    const good = personaSignatureHeader(body, NEW_SECRET, T);
    const tampered = body.replace("inquiry.approved", "inquiry.declined");
    expect(rejection(() => verifyPersonaWebhook(tampered, good, [NEW_SECRET], NOW)).code).toBe(
      "BAD_SIGNATURE",
    );
    // The signature covers t: the same v1 with another t does not verify.
    const v1 = personaSignature(body, NEW_SECRET, T);
    expect(
      rejection(() => verifyPersonaWebhook(body, `t=${T + 1},v1=${v1}`, [NEW_SECRET], NOW)).code,
    ).toBe("BAD_SIGNATURE");
  });

  describe("during a secret rotation (two space-separated pairs)", () => {
    const rotated = personaSignatureHeader(body, [OLD_SECRET, NEW_SECRET], T);

    it("has two pairs", () => {
      expect(rotated.split(" ")).toHaveLength(2);
      expect(parseSignatureHeader(rotated)).toHaveLength(2);
    });

    it("is accepted with the old secret only, the new secret only, or both", () => {
      for (const secrets of [[OLD_SECRET], [NEW_SECRET], [NEW_SECRET, OLD_SECRET]]) {
        expect(verifyPersonaWebhook(body, rotated, secrets, NOW).eventId).toBe("evt_1");
      }
    });

    it("is accepted whichever pair matches, in either order", () => {
      const reversed = personaSignatureHeader(body, [NEW_SECRET, OLD_SECRET], T);
      expect(verifyPersonaWebhook(body, reversed, [OLD_SECRET], NOW).eventId).toBe("evt_1");
      const oneForged = `t=${T},v1=${"0".repeat(64)} ${personaSignatureHeader(body, NEW_SECRET, T)}`;
      expect(verifyPersonaWebhook(body, oneForged, [NEW_SECRET], NOW).eventId).toBe("evt_1");
    });

    it("is rejected when neither pair matches a secret we hold", () => {
      expect(rejection(() => verifyPersonaWebhook(body, rotated, ["wbhsec_third"], NOW)).code).toBe(
        "BAD_SIGNATURE",
      );
    });

    it("is rejected when the matching pair is stale, even if the other is fresh", () => {
      const header = [
        `t=${T},v1=${personaSignature(body, OLD_SECRET, T)}`,
        `t=${T - 3600},v1=${personaSignature(body, NEW_SECRET, T - 3600)}`,
      ].join(" ");
      expect(rejection(() => verifyPersonaWebhook(body, header, [NEW_SECRET], NOW)).code).toBe(
        "STALE_SIGNATURE",
      );
      expect(verifyPersonaWebhook(body, header, [OLD_SECRET], NOW).eventId).toBe("evt_1");
    });
  });

  it("rejects a missing or malformed header", () => {
    for (const header of [null, "", "   "]) {
      expect(rejection(() => verifyPersonaWebhook(body, header, [NEW_SECRET], NOW)).code).toBe(
        "MISSING_SIGNATURE",
      );
    }
    const v1 = personaSignature(body, NEW_SECRET, T);
    for (const header of [
      "garbage",
      `v1=${v1}`, // no t
      `t=${T}`, // no v1
      `t=abc,v1=${v1}`,
      `t=${T},v1=not-hex`,
      `t=${T},v1=${v1.slice(0, 40)}`, // truncated
      `t=${T},t=${T},v1=${v1}`,
      `t=${T};v1=${v1}`,
    ]) {
      expect(
        rejection(() => verifyPersonaWebhook(body, header, [NEW_SECRET], NOW)).code,
        header,
      ).toBe("MALFORMED_SIGNATURE");
    }
  });

  it("refuses to verify without any secret (a configuration bug, not a bad request)", () => {
    const header = personaSignatureHeader(body, NEW_SECRET, T);
    expect(() => verifyPersonaWebhook(body, header, [], NOW)).toThrow(/at least one/);
    expect(() => verifyPersonaWebhook(body, header, [""], NOW)).toThrow(/at least one/);
  });

  it("rejects a correctly signed body that is not an inquiry event", () => {
    const sign = (raw: string) => personaSignatureHeader(raw, NEW_SECRET, T);
    const notJson = "not json";
    expect(
      rejection(() => verifyPersonaWebhook(notJson, sign(notJson), [NEW_SECRET], NOW)).code,
    ).toBe("INVALID_EVENT");
    const noId = JSON.stringify({ data: { attributes: { name: "inquiry.approved" } } });
    expect(rejection(() => verifyPersonaWebhook(noId, sign(noId), [NEW_SECRET], NOW)).code).toBe(
      "INVALID_EVENT",
    );
    const account = JSON.stringify({
      data: {
        type: "event",
        id: "evt_2",
        attributes: {
          name: "account.created",
          "created-at": NOW.toISOString(),
          payload: { data: { type: "account", id: "act_1", attributes: {} } },
        },
      },
    });
    expect(
      rejection(() => verifyPersonaWebhook(account, sign(account), [NEW_SECRET], NOW)).code,
    ).toBe("UNSUPPORTED_EVENT");
  });

  it("takes the status of other inquiry events from the payload", () => {
    const raw = personaEventBody({
      eventId: "evt_3",
      name: "inquiry.transitioned",
      createdAt: NOW,
      inquiryId: "inq_abc",
      status: "needs_review",
    });
    const event = verifyPersonaWebhook(
      raw,
      personaSignatureHeader(raw, NEW_SECRET, T),
      [NEW_SECRET],
      NOW,
    );
    expect(event.status).toBe("needs_review");
    expect(event.referenceId).toBeNull();
  });
});

describe("statusForEvent", () => {
  it("maps Persona's inquiry events", () => {
    expect(statusForEvent("inquiry.created")).toBe("created");
    expect(statusForEvent("inquiry.started")).toBe("pending");
    expect(statusForEvent("inquiry.completed")).toBe("completed");
    expect(statusForEvent("inquiry.failed")).toBe("failed");
    expect(statusForEvent("inquiry.expired")).toBe("expired");
    expect(statusForEvent("inquiry.marked-for-review")).toBe("needs_review");
    expect(statusForEvent("inquiry.approved")).toBe("approved");
    expect(statusForEvent("inquiry.declined")).toBe("declined");
    expect(statusForEvent("inquiry.updated-tags", "approved")).toBe("approved");
    expect(statusForEvent("inquiry.updated-tags", "weird")).toBeNull();
  });
});

describe("applyInOrder", () => {
  const at = (minute: number) => new Date(Date.UTC(2025, 5, 1, 12, minute));
  const event = (eventId: string, name: string, minute: number, inquiryId = "inq_1"): KycEvent => ({
    eventId,
    name,
    createdAt: at(minute),
    inquiryId,
    status: statusForEvent(name) ?? "pending",
    referenceId: "app_1",
  });

  const created = event("evt_a", "inquiry.created", 0);
  const started = event("evt_b", "inquiry.started", 1);
  const completed = event("evt_c", "inquiry.completed", 5);
  const approved = event("evt_d", "inquiry.approved", 6);

  it("orders by createdAt whatever the arrival order, and dedupes by event id", () => {
    const arrived = [approved, created, completed, approved, started, { ...completed }];
    const result = applyInOrder(arrived);
    expect(result.events.map((e) => e.eventId)).toEqual(["evt_a", "evt_b", "evt_c", "evt_d"]);
    expect(result.status).toBe("approved");
    expect(result.latest).toBe(approved);
    expect(result.duplicates.sort()).toEqual(["evt_c", "evt_d"]);
  });

  it("a late-arriving older event does not move the status back", () => {
    expect(applyInOrder([completed, approved]).status).toBe("approved");
    expect(applyInOrder([approved, completed]).status).toBe("approved");
  });

  it("a newer decision wins (approved, then marked for review by a human)", () => {
    const review = event("evt_e", "inquiry.marked-for-review", 30);
    expect(applyInOrder([review, approved, completed]).status).toBe("needs_review");
  });

  it("breaks a tie in createdAt by lifecycle stage, then by event id", () => {
    const sameTimeCompleted = event("evt_z", "inquiry.completed", 7);
    const sameTimeApproved = event("evt_y", "inquiry.approved", 7);
    expect(applyInOrder([sameTimeApproved, sameTimeCompleted]).status).toBe("approved");
    expect(applyInOrder([sameTimeCompleted, sameTimeApproved]).status).toBe("approved");
  });

  it("is empty for no events", () => {
    expect(applyInOrder([])).toEqual({ events: [], latest: null, status: null, duplicates: [] });
  });

  it("refuses events of two inquiries", () => {
    expect(() => applyInOrder([created, event("evt_x", "inquiry.created", 0, "inq_2")])).toThrow(
      RangeError,
    );
  });

  it("does not modify its input", () => {
    const input = [approved, created];
    applyInOrder(input);
    expect(input).toEqual([approved, created]);
  });
});

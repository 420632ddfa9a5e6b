import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeFieldRoutes, type FakeFieldRoutes } from "./fake-server";
import { createFieldRoutesCrm } from "./live";

/**
 * Contract: the adapter and the fake against FieldRoutes' documented /appointment/get answer
 * (fixtures/, with its source), not against each other.
 */
const sample = JSON.parse(
  readFileSync(
    new URL("./fixtures/appointment-get.documented-sample.json", import.meta.url),
    "utf8",
  ),
) as { appointments: Record<string, unknown>[] };
const credentials = {
  subdomain: "acme",
  authenticationKey: "key-contract",
  authenticationToken: "token-contract",
  officeId: "2",
};

describe("FieldRoutes contract: the documented appointment/get answer", () => {
  it("the adapter reads FieldRoutes' own envelope (the entity list under its plural name)", async () => {
    const sent: URLSearchParams[] = [];
    const crm = createFieldRoutesCrm({
      credentials,
      fetch: async (_url, init) => {
        sent.push(new URLSearchParams(String(init?.body ?? "")));
        return Response.json(sample);
      },
    });
    const [appointment] = await crm.getAppointments(["900"]);
    expect(appointment).toMatchObject({
      appointmentId: "900",
      customerId: "1234",
      notes: "Gate code 42",
    });
    // An office is configured: the read is scoped to it (global keys), as documented.
    expect(sent[0]!.get("officeIDs")).toBe('["2"]');
  });

  describe("the fake", () => {
    let fake: FakeFieldRoutes;
    beforeAll(async () => {
      fake = await startFakeFieldRoutes({ ...credentials, officeId: "2" });
    });
    afterAll(() => fake.close());

    it("answers appointments with documented fields only", async () => {
      fake.setAppointments([{ appointmentID: "900", customerID: "1234", status: 0, notes: "x" }]);
      const response = await fetch(`${fake.url}/api/appointment/get`, {
        method: "POST",
        headers: {
          authenticationKey: credentials.authenticationKey,
          authenticationToken: credentials.authenticationToken,
          "Content-Type": "application/x-www-form-urlencoded",
        },
        body: new URLSearchParams({ appointmentIDs: '["900"]' }),
      });
      const body = (await response.json()) as {
        success: boolean;
        result: Record<string, unknown>[];
      };
      expect(body.success).toBe(true);
      const documented = Object.keys(sample.appointments[0]!);
      for (const key of Object.keys(body.result[0]!)) {
        expect(documented, `appointment.${key}`).toContain(key);
      }
    });
  });
});

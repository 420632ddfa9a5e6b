import { callRoute, createMerchant, jsonHeaders } from "~/scripts/testing/app-harness";
import { describe, expect, it } from "vitest";
import * as listRoute from "~/app/routes/api.v1.crm.webhook-endpoints";
import * as oneRoute from "~/app/routes/api.v1.crm.webhook-endpoints.$endpointId";
import * as openApiRoute from "~/app/routes/api.v1.openapi[.]json";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const create = (key: string, body: unknown) =>
  callRoute(listRoute, {
    method: "POST",
    path: "/api/v1/crm/webhook-endpoints",
    headers: jsonHeaders(key),
    body: JSON.stringify(body),
  });
const list = (key: string) =>
  callRoute(listRoute, { path: "/api/v1/crm/webhook-endpoints", headers: jsonHeaders(key) });
const remove = (key: string, id: string) =>
  callRoute(oneRoute, {
    method: "DELETE",
    path: `/api/v1/crm/webhook-endpoints/${id}`,
    params: { endpointId: id },
    headers: jsonHeaders(key),
  });

describe("/api/v1/crm/webhook-endpoints (docs/product/merchants-and-money.md, Outbound webhooks)", () => {
  it("creates an endpoint, shows its secret once, lists it without, and deletes it (204)", async () => {
    const merchant = await createMerchant();
    const response = await create(merchant.key, {
      url: "https://93.184.216.34/flowpay",
      events: ["application.*", "loan.funded"],
    });
    expect(response.status).toBe(201);
    const created = (await response.json()) as Json;
    expect(created).toMatchObject({
      url: "https://93.184.216.34/flowpay",
      events: ["application.*", "loan.funded"],
      status: "enabled",
    });
    expect(created.id).toMatch(/^whe_[0-9a-z]{26}$/);
    expect(created.secret).toMatch(/^whsec_/);

    const listed = (await (await list(merchant.key)).json()) as Json;
    expect(listed.data).toHaveLength(1);
    expect(listed.data[0].id).toBe(created.id);
    expect(JSON.stringify(listed)).not.toContain(created.secret);

    const other = await createMerchant();
    expect(((await (await list(other.key)).json()) as Json).data).toEqual([]);
    const foreign = await remove(other.key, created.id);
    expect(foreign.status).toBe(404);
    expect(((await foreign.json()) as Json).error.code).toBe("not_found");

    expect((await remove(merchant.key, created.id)).status).toBe(204);
    expect((await remove(merchant.key, created.id)).status).toBe(404);
    expect(((await (await list(merchant.key)).json()) as Json).data).toEqual([]);
  });

  it.each([
    [{ url: "http://93.184.216.34/x", events: ["*"] }, "url"],
    [{ url: "https://169.254.169.254/latest/meta-data", events: ["*"] }, "url"],
    [{ url: "https://[::ffff:127.0.0.1]/", events: ["*"] }, "url"],
    [{ url: "https://93.184.216.34/x", events: ["application.signed"] }, "events.0"],
    [{ url: "https://93.184.216.34/x", events: [] }, "events"],
  ])("refuses %j with 422 naming %s", async (body, path) => {
    const merchant = await createMerchant();
    const response = await create(merchant.key, body);
    expect(response.status).toBe(422);
    const json = (await response.json()) as Json;
    expect(json.error.code).toBe("validation_failed");
    expect(json.error.details.map((d: Json) => d.path)).toContain(path);
  });

  it("needs an API key", async () => {
    const response = await callRoute(listRoute, { path: "/api/v1/crm/webhook-endpoints" });
    expect(response.status).toBe(401);
  });

  it("is in the OpenAPI document, with the delivery format", async () => {
    const doc = (await (
      await callRoute(openApiRoute, { path: "/api/v1/openapi.json" })
    ).json()) as Json;
    const paths = doc.paths as Json;
    expect(Object.keys(paths["/api/v1/crm/webhook-endpoints"])).toEqual(["post", "get"]);
    expect(paths["/api/v1/crm/webhook-endpoints/{endpoint_id}"].delete.responses).toHaveProperty(
      "204",
    );
    expect(paths["/api/v1/crm/webhook-endpoints"].post.description).toContain("FlowPay-Signature");
    expect(doc.components.schemas).toHaveProperty("WebhookEvent");
  });
});

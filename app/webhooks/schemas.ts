import { z } from "zod";
import { eventPatterns } from "./events";

/**
 * The webhook endpoint API's schemas (docs/product/merchants-and-money.md, "Outbound webhooks"):
 * they validate requests and generate the OpenAPI document.
 */
export const createWebhookEndpointRequest = z
  .object({
    url: z
      .string()
      .min(1)
      .max(2048)
      .describe("https:// URL that receives the events (public address only)"),
    events: z
      .array(z.enum(eventPatterns as [string, ...string[]]))
      .min(1)
      .max(50)
      .describe('Event types, "<prefix>.*" (e.g. "application.*") or "*"'),
  })
  .strict();
export type CreateWebhookEndpointRequest = z.infer<typeof createWebhookEndpointRequest>;

export const webhookEndpointResponse = z.object({
  id: z.string().describe('"whe_…"'),
  url: z.string(),
  events: z.array(z.string()),
  status: z
    .enum(["enabled", "disabled"])
    .describe("disabled after 3 days of failed deliveries (the merchant's owners are e-mailed)"),
  disabled_reason: z.string().nullable(),
  created_at: z.string(),
});

export const createdWebhookEndpointResponse = webhookEndpointResponse.extend({
  secret: z
    .string()
    .describe('"whsec_…": signs every delivery (FlowPay-Signature); shown only in this answer'),
});

export const webhookEndpointListResponse = z.object({ data: z.array(webhookEndpointResponse) });

/** What a receiver gets (POST body of every delivery). */
export const webhookEventBody = z.object({
  id: z.string().describe('"evt_…", also in FlowPay-Event-Id; the same on every retry'),
  type: z.string().describe("e.g. application.approved, loan.funded"),
  created_at: z.string().describe("when the change happened"),
  data: z.object({
    application: z
      .unknown()
      .describe("the GET /api/v1/crm/applications/{id} resource, as of the event"),
  }),
});

import { z } from "zod";

/**
 * The CRM API's request and response schemas: they validate requests and generate the
 * OpenAPI document (app/crm/openapi.server.ts), so the contract and the code cannot drift.
 */

const usStates = [
  "AL",
  "AK",
  "AZ",
  "AR",
  "CA",
  "CO",
  "CT",
  "DE",
  "DC",
  "FL",
  "GA",
  "HI",
  "ID",
  "IL",
  "IN",
  "IA",
  "KS",
  "KY",
  "LA",
  "ME",
  "MD",
  "MA",
  "MI",
  "MN",
  "MS",
  "MO",
  "MT",
  "NE",
  "NV",
  "NH",
  "NJ",
  "NM",
  "NY",
  "NC",
  "ND",
  "OH",
  "OK",
  "OR",
  "PA",
  "RI",
  "SC",
  "SD",
  "TN",
  "TX",
  "UT",
  "VT",
  "VA",
  "WA",
  "WV",
  "WI",
  "WY",
  "PR",
] as const;

/** US numbers only, normalised to E.164 (+1NXXNXXXXXX); "(512) 555-0123" is accepted too. */
export const usPhone = z
  .string()
  .trim()
  .max(32)
  .transform((raw) => raw.replace(/[\s().-]/g, ""))
  .transform((raw) => (/^\d{10}$/.test(raw) ? `+1${raw}` : /^1\d{10}$/.test(raw) ? `+${raw}` : raw))
  .refine((phone) => /^\+1[2-9]\d{2}[2-9]\d{6}$/.test(phone), "Invalid phone number")
  .meta({ description: "US phone number; normalised to E.164", example: "+15125550123" });

const crmId = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[\w.:-]+$/, "Only letters, digits and _ . : -");

export const offerFinancingRequest = z
  .object({
    crm: z
      .enum(["fieldroutes", "jobber", "housecall_pro"])
      .meta({ description: "The calling CRM" }),
    crm_customer_id: crmId.meta({ example: "FR12345" }),
    customer: z
      .object({
        first_name: z.string().trim().min(1).max(100),
        last_name: z.string().trim().min(1).max(100),
        email: z.email().max(254).optional(),
        phone: usPhone,
        address: z
          .object({
            line1: z.string().trim().min(1).max(200),
            city: z.string().trim().min(1).max(100),
            state: z.enum(usStates),
            postal_code: z
              .string()
              .trim()
              .regex(/^\d{5}(-\d{4})?$/, "Invalid ZIP code"),
          })
          .strict()
          .optional(),
      })
      .strict(),
    job: z
      .object({
        crm_job_id: crmId.meta({ example: "JOB-9876" }),
        description: z.string().trim().max(500).optional(),
        estimate_cents: z
          .number()
          .int("Must be a whole number of cents")
          .positive()
          .max(100_000_000)
          .meta({
            description: "Job estimate in cents; within the merchant's allowed range",
            example: 750000,
          }),
      })
      .strict(),
    send_sms: z.boolean().default(true).meta({
      description:
        "Text the apply link to the customer (the merchant attests the customer asked for it)",
    }),
  })
  .strict()
  .meta({ id: "OfferFinancingRequest" });

export type OfferFinancingRequest = z.infer<typeof offerFinancingRequest>;

export const applicationStatus = z
  .enum([
    "link_sent",
    "in_progress",
    "submitted",
    "approved",
    "declined",
    "manual_review",
    "offer_accepted",
    "pending_funding",
    "funded",
    "canceled",
    "expired",
  ])
  .meta({ id: "ApplicationStatus" });

export const offerFinancingResponse = z
  .object({
    application_id: z.string().meta({ example: "app_01jq7x8m2k3n4p5q6r7s8t9v0w" }),
    status: applicationStatus,
    apply_url: z.url(),
    expires_at: z.iso.datetime(),
  })
  .meta({ id: "OfferFinancingResponse" });

export const smsStatus = z
  .enum([
    "not_sent",
    "queued",
    "sending",
    "sent",
    "delivered",
    "undelivered",
    "failed",
    "suppressed",
  ])
  .meta({
    description:
      "Delivery state of the latest text to the customer; `suppressed` = the number opted out",
  });

export const applicationResponse = z
  .object({
    application_id: z.string(),
    status: applicationStatus,
    crm_customer_id: z.string(),
    crm_job_id: z.string(),
    amount_cents: z.number().int(),
    decision: z
      .object({
        status: z.enum(["approved", "declined", "manual_review"]),
        decided_at: z.iso.datetime(),
      })
      .nullable(),
    selected_offer: z
      .object({
        term_months: z.number().int(),
        apr: z.string().meta({ example: "9.990" }),
        monthly_payment_cents: z.number().int(),
      })
      .nullable(),
    loan: z
      .object({
        status: z.enum(["pending_funding", "funded", "canceled"]),
        funded_amount_cents: z.number().int().nullable(),
        funded_at: z.iso.datetime().nullable(),
      })
      .nullable(),
    sms_status: smsStatus,
    link_expires_at: z.iso.datetime().nullable(),
    created_at: z.iso.datetime(),
    updated_at: z.iso.datetime(),
  })
  .meta({ id: "Application" });

export type ApplicationResponse = z.infer<typeof applicationResponse>;

export const resendResponse = z
  .object({
    application_id: z.string(),
    status: applicationStatus,
    apply_url: z.url(),
    expires_at: z.iso.datetime(),
    sms_sent: z.boolean(),
  })
  .meta({ id: "ResendResponse" });

export const errorResponse = z
  .object({
    error: z.object({
      code: z.enum([
        "bad_request",
        "unauthorized",
        "forbidden",
        "not_found",
        "idempotency_conflict",
        "invalid_state",
        "validation_failed",
        "rate_limited",
        "internal",
      ]),
      message: z.string(),
      details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
      request_id: z.string(),
    }),
  })
  .meta({ id: "Error" });

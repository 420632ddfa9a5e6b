import { z } from "zod";
import { applicationStatuses } from "~/db/schema/applications";

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
    crm_customer_id: crmId.meta({
      example: "48213",
      description:
        "The CRM's customer id. FieldRoutes ids are numbers (customerID): with a FieldRoutes connection anything else is refused (422)",
    }),
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
        crm_job_id: crmId.meta({
          example: "90517",
          description:
            "The CRM's job id. FieldRoutes ids are numbers (appointmentID): with a FieldRoutes connection anything else is refused (422)",
        }),
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
    prequalification_id: z
      .string()
      .regex(/^pq_[0-9a-z]{26}$/, "Not a prequalification id")
      .optional()
      .meta({
        description:
          "The customer's still-valid prequalification (`prequalified`): the application reuses what the borrower gave there — nothing is asked twice — and, while it is valid, its soft pull (ADR 066)",
      }),
  })
  .strict()
  .meta({ id: "OfferFinancingRequest" });

export type OfferFinancingRequest = z.infer<typeof offerFinancingRequest>;

// The stored statuses (db/schema/applications.ts, the one list) and `link_created`, which the
// API says instead of `link_sent` when no text carried the link (ADR 027).
export const applicationStatus = z.enum(["link_created", ...applicationStatuses]).meta({
  id: "ApplicationStatus",
  description:
    "awaiting_completion: signed and booked, the payment waits for the job (funding on completion) — mark the job done with POST …/complete; the customer then releases the payment (or it releases itself after 7 days). link_created: the link exists but no text carried it (`send_sms` false, or the number opted out) — hand `apply_url` over yourself; link_sent: a text with the link was queued (the application's `sms_status` follows its delivery; ADR 027). lender_declined: the lender refused the loan after the borrower signed; FlowPay reroutes it to another lender (back to approved: the borrower signs again) or cancels it",
});

/**
 * What one offer-financing or resend request did about the text (not its delivery, which the
 * application's `sms_status` follows). ADR 027.
 */
export const smsRequestStatus = z
  .enum(["queued", "suppressed_opted_out", "not_requested", "skipped_duplicate"])
  .meta({
    id: "SmsRequestStatus",
    description:
      "What this request did about the text: `queued` (a text with the link will be sent), `suppressed_opted_out` (the number replied STOP: no text; give the customer `apply_url` yourself), `not_requested` (`send_sms` was false), `skipped_duplicate` (the job already had this open application: no second text)",
  });

export type SmsRequestStatus = z.infer<typeof smsRequestStatus>;

export const offerFinancingResponse = z
  .object({
    application_id: z.string().meta({ example: "app_01jq7x8m2k3n4p5q6r7s8t9v0w" }),
    status: applicationStatus,
    apply_url: z.url(),
    expires_at: z.iso.datetime(),
    sms_status: smsRequestStatus,
    replaces_application_id: z.string().optional().meta({
      description:
        "Set when this offer superseded the job's open application (another amount): that one is now `canceled`, its link revoked",
    }),
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
        status: z.enum([
          "pending_funding",
          "funded",
          "canceled",
          "lender_declined",
          "awaiting_completion",
        ]),
        funded_amount_cents: z.number().int().nullable(),
        funded_at: z.iso.datetime().nullable(),
        released_cents: z.number().int().meta({
          description:
            "What the lender has paid out of the loan's amount so far (gross of the merchant fee): 0 until the first disbursement is paid; with progress payments the upfront part while the job is open; the whole amount once funded",
        }),
        refunded_cents: z.number().int().meta({
          description:
            "What the lender has refunded of the loan so far (refunds it confirmed; 0 before any)",
        }),
      })
      .nullable(),
    sms_status: smsStatus,
    superseded_by: z.string().nullable().meta({
      description:
        "The newer application that replaced this one (a new offer for the same job with another amount); this one is then `canceled`",
    }),
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
    sms_sent: z.boolean().meta({ description: "True only when a text was queued" }),
    sms_status: smsRequestStatus,
  })
  .meta({ id: "ResendResponse" });

/** POST /api/v1/crm/applications/{id}/refunds (docs/product/merchants-and-money.md, ADR 053). */
export const refundRequest = z
  .object({
    amount_cents: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).meta({
      description: "At most what was funded minus what was already refunded (pending included)",
      example: 375000,
    }),
    reason: z.string().trim().min(1).max(500).meta({ example: "Customer canceled half the job" }),
  })
  .strict()
  .meta({ id: "RefundRequest" });

export type RefundRequestBody = z.infer<typeof refundRequest>;

export const refundCreated = z
  .object({
    refund_id: z.string().meta({ example: "rf_01jq7x8m2k3n4p5q6r7s8t9v0w" }),
    status: z.enum(["pending", "completed", "failed"]).meta({
      description:
        "pending until the lender confirms (then the application is `partially_refunded` or `refunded`); an Idempotency-Key replay answers the refund's current status",
    }),
    amount_cents: z.number().int(),
  })
  .meta({ id: "RefundCreated" });

/** POST /api/v1/crm/applications/{id}/amount (docs/product/merchants-and-money.md, ADR 054). */
export const amountChangeRequest = z
  .object({
    amount_cents: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).meta({
      example: 600000,
    }),
  })
  .strict()
  .meta({ id: "AmountChangeRequest" });

export const amountChangeResponse = z
  .object({
    application_id: z.string(),
    status: applicationStatus,
    amount_cents: z.number().int(),
    previous_amount_cents: z.number().int(),
    outcome: z.enum(["resign", "new_decision", "unchanged"]).meta({
      description:
        "resign: re-priced within the approval; the borrower was sent a link to review and sign the new agreement (the old one stays on file, superseded). new_decision: above the approved maximum; the application is decided again. unchanged: the amount was already this",
    }),
    apply_url: z.url().nullable(),
    sms_status: smsRequestStatus.nullable(),
  })
  .meta({ id: "AmountChangeResponse" });

export type AmountChangeResponse = z.infer<typeof amountChangeResponse>;

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
        "unavailable",
      ]),
      message: z.string(),
      details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
      request_id: z.string(),
    }),
  })
  .meta({ id: "Error" });

/** POST /api/v1/crm/prequalifications (docs/product/merchants-and-money.md, "Prequalification"). */
export const prequalificationRequest = offerFinancingRequest
  .pick({ crm: true, crm_customer_id: true, customer: true, send_sms: true })
  .strict()
  .meta({ id: "PrequalificationRequest" });

export type PrequalificationRequest = z.infer<typeof prequalificationRequest>;

export const prequalificationStatus = z
  .enum(["link_sent", "in_progress", "prequalified", "not_prequalified", "expired"])
  .meta({
    id: "PrequalificationStatus",
    description:
      "link_sent: the link exists (texted when `send_sms`); in_progress: the customer opened it; prequalified: a soft pull found them prequalified up to `max_amount_cents` until `valid_until`; not_prequalified: the customer got an adverse action notice (the reasons are theirs, not the merchant's); expired: the link or the 30 days ran out",
  });

export const prequalificationCreated = z
  .object({
    prequalification_id: z.string().meta({ example: "pq_01jq7x8m2k3n4p5q6r7s8t9v0w" }),
    status: z.literal("link_sent"),
    apply_url: z.url(),
    expires_at: z.iso.datetime(),
  })
  .meta({ id: "PrequalificationCreated" });

export const prequalificationResponse = z
  .object({
    prequalification_id: z.string(),
    status: prequalificationStatus,
    max_amount_cents: z.number().int().nullable(),
    valid_until: z.iso.datetime().nullable(),
  })
  .meta({ id: "Prequalification" });

/** POST /api/v1/crm/applications/{id}/complete (docs/product/merchants-and-money.md, ADR 050). */
export const completionResponse = z
  .object({
    application_id: z.string(),
    status: z.literal("awaiting_completion").meta({
      description:
        "The application waits for the customer's release (then `pending_funding`, then `funded`)",
    }),
    completed_at: z.iso.datetime().meta({ description: "When the job was first marked complete" }),
    auto_release_at: z.iso.datetime().meta({
      description:
        "When the payment releases itself if the customer neither releases it nor reports a problem (7 days after `completed_at`)",
    }),
    release_link_sent: z.boolean().meta({
      description:
        "True when this request texted and e-mailed the customer the release link; false when the job was already marked complete (nothing sent again)",
    }),
  })
  .meta({ id: "CompletionResponse" });

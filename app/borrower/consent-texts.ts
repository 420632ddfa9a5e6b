/**
 * The consent texts the borrower accepts, versioned: the version id and the SHA-256 of the exact
 * text are stored with each acceptance (docs/product/lending.md, "Consent"). Change a text → bump its version.
 */
export const consentTexts = {
  credit_pull: {
    version: "credit-pull-2026-11-01",
    title: "Authorization to check your credit",
    text: "By checking this box, you authorize FlowPay and its lending partner to obtain your consumer credit report from Experian to evaluate this application. This is a soft inquiry: it does not affect your credit score. Your report may also be used to verify your identity and to prevent fraud.",
  },
  esign: {
    version: "esign-2026-11-01",
    title: "Consent to electronic records and signatures (E-SIGN)",
    text: "You agree to receive disclosures, your loan agreement and notices electronically and to sign electronically. Scope: this application and, if you accept a loan, that loan. Paper copies: you may ask for a paper copy of any document at no charge by writing to support@flowpay.example. Withdrawing: you may withdraw this consent at any time by writing to the same address; if you withdraw before signing, we cannot continue the application online. Keep your contact details current by writing to us. To access and keep the documents you need a device with a current web browser and a PDF reader, and a way to save or print files.",
  },
  privacy: {
    version: "privacy-2026-11-01",
    title: "Privacy notice",
    text: "We collect the information you give us, your credit report, and, if you link it, your bank account data, to decide your application, service your loan and meet our legal duties. We share it with our lending partner and the service providers that help us (credit bureau, identity verification, bank data), and with the business you are buying from only as far as they need to know the status of your financing. We do not sell your information. Your SSN, date of birth and bank credentials are encrypted.",
  },
  /** TCPA: the borrower's own permission, asked unticked and never a condition of credit. */
  sms: {
    version: "sms-2026-12-07",
    title: "Texts about this application (optional)",
    text: "Yes, FlowPay may send text messages about this application and, if you accept a loan, about that loan (for example, decisions, documents we need and funding) to the mobile number the business gave us. Agreeing is not a condition of credit: you can continue without it. Message frequency varies. Message and data rates may apply. Reply STOP to any text to opt out, HELP for help.",
  },
  /** What a CRM attests with `send_sms: true` on offer-financing (recorded with the API key id). */
  merchant_sms_attestation: {
    version: "merchant-sms-attestation-2026-12-07",
    title: "Merchant attestation: the customer asked for the text",
    text: "By sending send_sms: true, the merchant attests that the customer asked to receive a text message from FlowPay with a link to apply for financing for this job, at the mobile number given.",
  },
} as const;

export type ConsentKind = keyof typeof consentTexts;

/** SHA-256 (hex) of a consent text, computed with Web Crypto so this module stays runtime-neutral. */
export async function consentTextHash(kind: ConsentKind): Promise<string> {
  const bytes = new TextEncoder().encode(consentTexts[kind].text);
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

-- consent_texts is immutable, like audit_logs (0001): a text, once stored under a version, is the
-- text every consent naming that version accepted. A changed text needs a new version.
CREATE TRIGGER consent_texts_no_update BEFORE UPDATE ON consent_texts
BEGIN
  SELECT RAISE(ABORT, 'consent_texts is immutable');
END;
--> statement-breakpoint
CREATE TRIGGER consent_texts_no_delete BEFORE DELETE ON consent_texts
BEGIN
  SELECT RAISE(ABORT, 'consent_texts is immutable');
END;
--> statement-breakpoint
-- A consent to one of our texts points at the stored text: its (version, SHA-256) must be there.
-- (e_signature consents name the signed agreement's version and hash instead.)
CREATE TRIGGER consents_text_exists BEFORE INSERT ON consents
WHEN NEW.kind IN ('credit_pull', 'esign', 'privacy', 'sms')
  AND NOT EXISTS (SELECT 1 FROM consent_texts WHERE version = NEW.text_version AND sha256 = NEW.text_sha256)
BEGIN
  SELECT RAISE(ABORT, 'consent names a text version and hash that consent_texts does not hold');
END;
--> statement-breakpoint
-- At most one decline awaiting a second operator per review.
CREATE UNIQUE INDEX decline_proposals_one_pending ON decline_proposals (manual_review_id) WHERE status = 'pending';
--> statement-breakpoint
-- The texts as they are today (app/borrower/consent-texts.ts); the app also inserts them
-- idempotently before it records a consent, so a new version needs no migration.
INSERT INTO consent_texts (version, kind, title, text, sha256, created_at) VALUES ('credit-pull-2026-11-01', 'credit_pull', 'Authorization to check your credit', 'By checking this box, you authorize FlowPay and its lending partner to obtain your consumer credit report from Experian to evaluate this application. This is a soft inquiry: it does not affect your credit score. Your report may also be used to verify your identity and to prevent fraud.', '3566eebec669b3afd0459d85c57e49a6f3adc0ce843a8da68870681ec8774fc4', 1796688000000) ON CONFLICT(version) DO NOTHING;
--> statement-breakpoint
INSERT INTO consent_texts (version, kind, title, text, sha256, created_at) VALUES ('esign-2026-11-01', 'esign', 'Consent to electronic records and signatures (E-SIGN)', 'You agree to receive disclosures, your loan agreement and notices electronically and to sign electronically. Scope: this application and, if you accept a loan, that loan. Paper copies: you may ask for a paper copy of any document at no charge by writing to support@flowpay.example. Withdrawing: you may withdraw this consent at any time by writing to the same address; if you withdraw before signing, we cannot continue the application online. Keep your contact details current by writing to us. To access and keep the documents you need a device with a current web browser and a PDF reader, and a way to save or print files.', '34c729aa096d059439d4bc11ed422f7b40a08a46983a8ce4db52ea5c7730faa7', 1796688000000) ON CONFLICT(version) DO NOTHING;
--> statement-breakpoint
INSERT INTO consent_texts (version, kind, title, text, sha256, created_at) VALUES ('privacy-2026-11-01', 'privacy', 'Privacy notice', 'We collect the information you give us, your credit report, and, if you link it, your bank account data, to decide your application, service your loan and meet our legal duties. We share it with our lending partner and the service providers that help us (credit bureau, identity verification, bank data), and with the business you are buying from only as far as they need to know the status of your financing. We do not sell your information. Your SSN, date of birth and bank credentials are encrypted.', '9cf27ffdda31aeaa94c3359ae2a1c596b2ff1589548c8e09d87a7312024a540f', 1796688000000) ON CONFLICT(version) DO NOTHING;
--> statement-breakpoint
INSERT INTO consent_texts (version, kind, title, text, sha256, created_at) VALUES ('sms-2026-12-07', 'sms', 'Texts about this application (optional)', 'Yes, FlowPay may send text messages about this application and, if you accept a loan, about that loan (for example, decisions, documents we need and funding) to the mobile number the business gave us. Agreeing is not a condition of credit: you can continue without it. Message frequency varies. Message and data rates may apply. Reply STOP to any text to opt out, HELP for help.', 'b4e2fe01ec99390dc4649ee1f4769f01658d6c3cf26347c21efd0ddb040c1993', 1796688000000) ON CONFLICT(version) DO NOTHING;
--> statement-breakpoint
INSERT INTO consent_texts (version, kind, title, text, sha256, created_at) VALUES ('merchant-sms-attestation-2026-12-07', 'merchant_sms_attestation', 'Merchant attestation: the customer asked for the text', 'By sending send_sms: true, the merchant attests that the customer asked to receive a text message from FlowPay with a link to apply for financing for this job, at the mobile number given.', 'a71129c1a4256d8ede8260161c141d2af0d32e9adad6ad08b93f8c2e8968776a', 1796688000000) ON CONFLICT(version) DO NOTHING;

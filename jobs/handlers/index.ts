import { JobRegistry } from "../registry";
import { handleDecideApplication } from "./decide-application";
import { decideApplicationJob } from "./decide-application.definition";
import { handleSendEmail } from "./send-email";
import { sendEmailJob } from "./send-email.definition";
import { handleSendSms } from "./send-sms";
import { sendSmsJob } from "./send-sms.definition";

/**
 * Every job kind the server runs: one file per kind in this folder (the definition with
 * defineJob in `<kind>.definition.ts`, imported by whoever enqueues it, and its handler in
 * `<kind>.ts`), registered here.
 */
export function createAppJobRegistry(): JobRegistry {
  return new JobRegistry()
    .handle(sendSmsJob, handleSendSms)
    .handle(sendEmailJob, handleSendEmail)
    .handle(decideApplicationJob, handleDecideApplication);
}

import { handleSendSms } from "./handlers/send-sms";
import { sendSmsJob } from "./handlers/send-sms.definition";
import { JobRegistry } from "./registry";

/** Every job kind the FlowPay server runs, with its handler. */
export function appJobRegistry(): JobRegistry {
  return new JobRegistry().handle(sendSmsJob, handleSendSms);
}

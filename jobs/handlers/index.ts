import { JobRegistry } from "~/jobs/registry";
import { handleApplyKycEvent } from "./apply-kyc-event";
import { applyKycEventJob } from "./apply-kyc-event.definition";
import { handleApplyLenderEvent } from "./apply-lender-event";
import { handleAutoRelease } from "./auto-release";
import { autoReleaseJob } from "./auto-release.definition";
import { applyLenderEventJob } from "./apply-lender-event.definition";
import { handleBacktestPolicy } from "./backtest-policy";
import { backtestPolicyJob } from "./backtest-policy.definition";
import { handleCreateLoan } from "./create-loan";
import { createLoanJob } from "./create-loan.definition";
import { handleDecideApplication } from "./decide-application";
import { decideApplicationJob } from "./decide-application.definition";
import { handleDeliverAdverseActionNotice } from "./deliver-adverse-action-notice";
import { deliverAdverseActionNoticeJob } from "./deliver-adverse-action-notice.definition";
import { handleDeliverWebhook } from "./deliver-webhook";
import { deliverWebhookJob } from "./deliver-webhook.definition";
import { handleCounterOfferLapse } from "./counter-offer-lapse";
import { counterOfferLapseJob } from "./counter-offer-lapse.definition";
import { handleInfoRequestTimeout } from "./info-request-timeout";
import { infoRequestTimeoutJob } from "./info-request-timeout.definition";
import { handlePollCrm } from "./poll-crm";
import { pollCrmJob } from "./poll-crm.definition";
import { handleReconcileSettlements } from "./reconcile-settlements";
import { reconcileSettlementsJob } from "./reconcile-settlements.definition";
import { handleRefreshBankSummary } from "./refresh-bank-summary";
import { refreshBankSummaryJob } from "./refresh-bank-summary.definition";
import { handleRequestDisbursement } from "./request-disbursement";
import { handleRequestRefund } from "./request-refund";
import { requestRefundJob } from "./request-refund.definition";
import { handleWithdrawLoan } from "./withdraw-loan";
import { withdrawLoanJob } from "./withdraw-loan.definition";
import { requestDisbursementJob } from "./request-disbursement.definition";
import { handleSendEmail } from "./send-email";
import { sendEmailJob } from "./send-email.definition";
import { handleSendSms } from "./send-sms";
import { sendSmsJob } from "./send-sms.definition";
import { handleSyncToCrm } from "./sync-to-crm";
import { syncToCrmJob } from "./sync-to-crm.definition";

/**
 * Every job kind the server runs: one file per kind in this folder (the definition with
 * defineJob in `<kind>.definition.ts`, imported by whoever enqueues it, and its handler in
 * `<kind>.ts`), registered here.
 */
export function createAppJobRegistry(): JobRegistry {
  return new JobRegistry()
    .handle(sendSmsJob, handleSendSms)
    .handle(sendEmailJob, handleSendEmail)
    .handle(decideApplicationJob, handleDecideApplication)
    .handle(deliverAdverseActionNoticeJob, handleDeliverAdverseActionNotice)
    .handle(refreshBankSummaryJob, handleRefreshBankSummary)
    .handle(applyKycEventJob, handleApplyKycEvent)
    .handle(createLoanJob, handleCreateLoan)
    .handle(requestDisbursementJob, handleRequestDisbursement)
    .handle(autoReleaseJob, handleAutoRelease)
    .handle(requestRefundJob, handleRequestRefund)
    .handle(withdrawLoanJob, handleWithdrawLoan)
    .handle(applyLenderEventJob, handleApplyLenderEvent)
    .handle(reconcileSettlementsJob, handleReconcileSettlements)
    .handle(syncToCrmJob, handleSyncToCrm)
    .handle(pollCrmJob, handlePollCrm)
    .handle(deliverWebhookJob, handleDeliverWebhook)
    .handle(backtestPolicyJob, handleBacktestPolicy)
    .handle(infoRequestTimeoutJob, handleInfoRequestTimeout)
    .handle(counterOfferLapseJob, handleCounterOfferLapse);
}

/**
 * The CRM write-back adapter for FieldRoutes. The app picks explicitly, per merchant:
 * `createFieldRoutesCrm` for a connected office (credentials from crm_connections), or
 * `createSandboxCrm` in development/demo. There is no silent fall-back from one to the
 * other: a sync that quietly goes nowhere is worse than a job that fails.
 *
 * Keep one live instance per connection (office) and reuse it: the circuit breaker lives
 * in the instance.
 */
export {
  createFieldRoutesCrm,
  DEFAULT_BREAKER_CONSECUTIVE_FAILURES,
  DEFAULT_HALF_OPEN_AFTER_MS,
  DEFAULT_TIMEOUT_MS,
  NOTE_DEDUPE_WINDOW,
  type CircuitStateName,
  type FieldRoutesCrm,
  type FieldRoutesCrmConfig,
} from "./live";
export {
  clearSandboxCrm,
  createSandboxCrm,
  sandboxCrmState,
  sandboxNoteId,
  seedSandboxAppointments,
  SANDBOX_MAGIC_SUBDOMAINS,
  SANDBOX_OFFICE_NAME,
  type SandboxAppointmentUpdate,
  type SandboxCrmNote,
  type SandboxCrmState,
} from "./sandbox";
export { classifySuccessFalse, noteMarker, SUBDOMAIN_PATTERN } from "./internal";
export type {
  CrmAdapter,
  CrmAppointment,
  CrmCallListener,
  CrmCallLog,
  FieldRoutesCredentials,
} from "./types";

/**
 * FieldRoutes identifies customers (customerID) and appointments (appointmentID) by number; an id
 * with anything but digits can never be found there (docs/product/api.md, "CRM ids"). The
 * write-back skips such ids (app/crm-sync/sync.server.ts) and the intake refuses them for a
 * merchant connected to FieldRoutes (app/crm/crm-ids.server.ts, ADR 080).
 */
export const fieldRoutesIdPattern = /^\d{1,18}$/;

export const isFieldRoutesId = (id: string) => fieldRoutesIdPattern.test(id);

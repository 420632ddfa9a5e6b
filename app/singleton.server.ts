/**
 * Process-wide state in one way (issue 20). A module's top-level `const` is evaluated again when
 * the dev server re-imports the rebuilt server bundle; state kept here (on globalThis, under a
 * registered symbol) survives that, so a process keeps one database handle, one write queue, one
 * metrics registry, one job runner…
 */
const slots = globalThis as unknown as Record<symbol, unknown>;
const keyOf = (name: string) => Symbol.for(`flowpay.${name}`);

/** The process's one `name`, created by `create` on first use. */
export function singleton<T>(name: string, create: () => T): T {
  const key = keyOf(name);
  if (slots[key] === undefined) slots[key] = create();
  return slots[key] as T;
}

/** True the first time in this process that it is called with `name` (install-once hooks). */
export function firstTimeInProcess(name: string): boolean {
  const key = keyOf(`once.${name}`);
  if (slots[key]) return false;
  slots[key] = true;
  return true;
}

/** A slot the caller sets and clears itself (state that may be replaced, e.g. after a failure). */
export function processSlot<T>(name: string) {
  const key = keyOf(name);
  return {
    get: () => slots[key] as T | undefined,
    set: (value: T) => {
      slots[key] = value;
    },
    clear: () => {
      delete slots[key];
    },
  };
}

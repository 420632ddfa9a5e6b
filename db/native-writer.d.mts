import type { SqlValue } from "./sql-tx";

/** A step's argument: a value, or a column of the row an earlier named step returned. */
export type StepArg = SqlValue | { ref: `${string}.${string}` };

/**
 * One statement of a write program. Programs are plain data so they can be sent to the database
 * writer thread (ADR 019) and run there, or in this thread on any SqlTx.
 */
export type Step = {
  sql: string;
  args: StepArg[];
  /** Keep the first row the statement returns (SELECT, or INSERT … RETURNING). */
  returns?: boolean;
  /** Every row it returns (for a batch, `collect`). */
  all?: boolean;
  /** The name later steps' `ref`s and the result use for this step's row. */
  name?: string;
  /** Stop here, writing nothing more, and return this row when there is one (a replay). */
  returnIfRow?: boolean;
  /** Fail the program (its writes roll back) with this code when there is no row. */
  failIfNoRow?: string;
};

export type Program = {
  steps: Step[];
  /** Report each statement's rows and changes in `results`, as client.batch() does. */
  collect?: boolean;
};

export type BatchResult = { rows: Row[]; rowsAffected: number };

export type Row = Record<string, SqlValue>;

export type ProgramResult =
  | { kind: "done"; rows: Record<string, Row | undefined>; results?: BatchResult[] }
  | { kind: "returned"; step: string; row: Row; rows: Record<string, Row | undefined> };

export declare class ProgramFailure extends Error {
  constructor(code: string);
  readonly code: string;
}

export type Executor = {
  get(sql: string, args: SqlValue[]): unknown;
  all?(sql: string, args: SqlValue[]): unknown;
  run(sql: string, args: SqlValue[]): unknown;
};

export declare function runProgram(x: Executor, program: Program): Promise<ProgramResult>;

export declare class DatabaseFileChanged extends Error {
  constructor(path: string, missing: boolean);
  readonly code: "FLOWPAY_DATABASE_REPLACED";
}

export declare function plainError(error: unknown): {
  name: string;
  message: string;
  code?: string;
  rawCode?: number;
  reason?: string;
};
export declare function fileIdentity(path: string): string | null;
export declare function checkFileIdentity(path: string, identity: string | null): void;

export declare class NativeWriter {
  constructor(path: string, busyTimeoutMs: number);
  runGroup(programs: Program[]): Promise<PromiseSettledResult<ProgramResult>[]>;
  close(): void;
}

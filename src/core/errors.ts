/**
 * @module Keel's one error class and the table of stable error codes.
 */

interface ErrorSpec {
  /** HTTP status when the error crosses a server boundary. */
  readonly status: number
  /** Process exit code when the CLI stops on it. */
  readonly exit: number
  /** What the user can do about it; shown under the message. */
  readonly hint: string
  /** Whether repeating the same call may succeed (job executors read this). */
  readonly retryable: boolean
}

/**
 * Every error Keel raises, by stable code. `docs/errors.md` is generated from
 * this table and a test keeps the two in sync.
 */
export const ERRORS = {
  CONFIG_NOT_FOUND: {
    status: 404,
    exit: 2,
    hint: 'Run `keel init` to create a project, or pass --project <dir>.',
    retryable: false,
  },
  CONFIG_LOAD_FAILED: {
    status: 500,
    exit: 2,
    hint: 'Fix the syntax or import error in keel.config.ts at the place named above.',
    retryable: false,
  },
  CONFIG_INVALID: {
    status: 400,
    exit: 2,
    hint: 'Correct the key named above in keel.config.ts; the docs list every key (docs/config.md).',
    retryable: false,
  },
  CONFIG_ENV_UNKNOWN: {
    status: 400,
    exit: 2,
    hint: 'Use one of the environments declared in keel.config.ts, or add it under `environments`.',
    retryable: false,
  },
  CONFIG_ENV_VAR_MISSING: {
    status: 400,
    exit: 2,
    hint: 'Export the variable before running Keel, or stop referring to it in keel.config.ts.',
    retryable: false,
  },
  BACKEND_UNKNOWN: {
    status: 400,
    exit: 2,
    hint: 'Use a URL whose scheme is one of those listed above.',
    retryable: false,
  },
  INIT_TARGET_NOT_EMPTY: {
    status: 409,
    exit: 2,
    hint: 'Choose an empty or new directory, or pass --force to add Keel files beside what is there.',
    retryable: false,
  },
  METADATA_UNREACHABLE: {
    status: 503,
    exit: 3,
    hint: 'Check that the database server is running and that the URL (KEEL_METADATA_URL or keel.config.ts) is right.',
    retryable: true,
  },
  METADATA_SCHEMA_TOO_NEW: {
    status: 500,
    exit: 3,
    hint: 'This store was migrated by a newer Keel; upgrade Keel to open it.',
    retryable: false,
  },
  METADATA_WRITE_FAILED: {
    status: 500,
    exit: 3,
    hint: 'Nothing of this write was kept; check the database logs and retry.',
    retryable: true,
  },
  STORE_CLOSED: {
    status: 500,
    exit: 3,
    hint: 'The project was closed; open it again with openProject().',
    retryable: false,
  },
  EXPERIMENT_NOT_FOUND: {
    status: 404,
    exit: 2,
    hint: 'List runs with `keel runs list` to see the experiments that exist.',
    retryable: false,
  },
  RUN_NOT_FOUND: {
    status: 404,
    exit: 2,
    hint: 'List runs with `keel runs list`; ids may be shortened to any unique prefix.',
    retryable: false,
  },
  RUN_ID_AMBIGUOUS: {
    status: 400,
    exit: 2,
    hint: 'Give more characters of the run id.',
    retryable: false,
  },
  RUN_NOT_ACTIVE: {
    status: 409,
    exit: 2,
    hint: 'A run takes no more data once it has ended; start a new run.',
    retryable: false,
  },
  RUN_INVALID_INPUT: {
    status: 400,
    exit: 2,
    hint: 'Param, metric and tag keys are 1-250 characters of letters, digits, _ - . / and spaces; metric values are numbers.',
    retryable: false,
  },
  PARAM_CONFLICT: {
    status: 409,
    exit: 2,
    hint: 'Params are immutable within a run; log a metric or start a new run for a changed value.',
    retryable: false,
  },
  ARTIFACT_NAME_INVALID: {
    status: 400,
    exit: 2,
    hint: 'Artifact names are relative paths such as `model/weights.bin`: no `..`, no leading `/`, no backslashes.',
    retryable: false,
  },
  ARTIFACT_EXISTS: {
    status: 409,
    exit: 2,
    hint: 'Artifact names are unique within a run; log the new content under another name.',
    retryable: false,
  },
  ARTIFACT_NOT_FOUND: {
    status: 404,
    exit: 2,
    hint: 'List a run’s artifacts with `keel runs show <runId>`.',
    retryable: false,
  },
  ARTIFACT_TAMPERED: {
    status: 500,
    exit: 3,
    hint: 'The stored file no longer matches its sha256; restore it from a backup or log it again.',
    retryable: false,
  },
  ARTIFACT_PATH_ESCAPE: {
    status: 400,
    exit: 3,
    hint: 'Artifact paths must stay inside the artifact root; remove the symlink or `..` that leads out of it.',
    retryable: false,
  },
  ARTIFACT_SOURCE_UNREADABLE: {
    status: 400,
    exit: 2,
    hint: 'Pass bytes, or the path of a readable regular file.',
    retryable: false,
  },
  ARTIFACT_WRITE_FAILED: {
    status: 500,
    exit: 3,
    hint: 'Check free disk space and permissions on the artifact root.',
    retryable: true,
  },
  FRAME_INVALID: {
    status: 400,
    exit: 2,
    hint: 'Give every column the same number of rows and values of its declared type.',
    retryable: false,
  },
  FRAME_COLUMN_UNKNOWN: {
    status: 400,
    exit: 2,
    hint: 'Use one of the column names listed above (names are case-sensitive).',
    retryable: false,
  },
  DATA_READ_FAILED: {
    status: 400,
    exit: 2,
    hint: 'Check that the file exists, is readable, and is CSV or Parquet with consistent rows.',
    retryable: false,
  },
  DATA_INVALID_NAME: {
    status: 400,
    exit: 2,
    hint: 'Use a non-empty name without NUL characters.',
    retryable: false,
  },
  DATASET_UNKNOWN: {
    status: 404,
    exit: 2,
    hint: 'Declare the dataset under `datasets` in keel.config.ts, or run `keel data list` to see the declared ones.',
    retryable: false,
  },
  DATASET_INVALID: {
    status: 400,
    exit: 2,
    hint: 'Fix the dataset declaration in keel.config.ts as the message says.',
    retryable: false,
  },
  COMPONENT_INVALID_PARAMS: {
    status: 400,
    exit: 2,
    hint: 'Fix the cleaning step parameters in keel.config.ts as the message says.',
    retryable: false,
  },
  CONTRACT_FAILED: {
    status: 422,
    exit: 4,
    hint: 'See the validation report: fix the data or the contract, or set `policy: "quarantine"` to keep failing rows aside.',
    retryable: false,
  },
  SNAPSHOT_NOT_FOUND: {
    status: 404,
    exit: 2,
    hint: 'Run `keel data list` to see the snapshots (ids may be given by a unique prefix).',
    retryable: false,
  },
  MODEL_NOT_FOUND: {
    status: 404,
    exit: 2,
    hint: 'Run `keel models list` to see registered models and their versions.',
    retryable: false,
  },
  MODEL_APPROVAL_REFUSED: {
    status: 409,
    exit: 2,
    hint: 'Follow the approval policy: approve the version (by someone other than who registered it, when required) before making it champion.',
    retryable: false,
  },
  ONNX_EXPORT_MISMATCH: {
    status: 500,
    exit: 70,
    hint: 'Nothing was registered. Report the model kind and data to Keel; register without a check frame to keep the native model only.',
    retryable: false,
  },
  MODEL_IMPORT_MISMATCH: {
    status: 422,
    exit: 70,
    hint: 'Nothing was registered. The converted model and its source disagree on the row named above: a conversion Keel gets wrong (report it with that row), or a model so steep that float32 rounding of its inputs changes the result.',
    retryable: false,
  },
  LEARN_INVALID_INPUT: {
    status: 400,
    exit: 2,
    hint: 'Fix the training or prediction data as described above.',
    retryable: false,
  },
  LEARN_INVALID_PARAMS: {
    status: 400,
    exit: 2,
    hint: 'Check the learner parameters against docs/learn.md.',
    retryable: false,
  },
  MODEL_FORMAT_UNSUPPORTED: {
    status: 400,
    exit: 2,
    hint: 'The model was saved by a newer Keel or is not a Keel model; upgrade Keel or re-export the model.',
    retryable: false,
  },
  MODEL_SPEC_UNKNOWN: {
    status: 404,
    exit: 2,
    hint: 'Declare it under `models` in keel.config.ts with model({ … }), or use `keel train --data <file> --label <column>` to have one written for you.',
    retryable: false,
  },
  MODEL_SPEC_INVALID: {
    status: 400,
    exit: 2,
    hint: 'Correct the field named above in the model spec in keel.config.ts (docs/training.md lists every field).',
    retryable: false,
  },
  GATES_FAILED: {
    status: 422,
    exit: 4,
    hint: 'Nothing was registered. Improve the candidates (features, parameters, search space) or review the gate thresholds; the evaluation is in the run.',
    retryable: false,
  },
  PIPELINE_INVALID: {
    status: 400,
    exit: 2,
    hint: 'Every step needs a unique name and may only need steps of the same pipeline, without cycles.',
    retryable: false,
  },
  PIPELINE_STEP_FAILED: {
    status: 500,
    exit: 70,
    hint: 'A step failed with an unexpected error (set KEEL_DEBUG=1 for its stack). Steps that finished before it are reused from the cache on the next run.',
    retryable: false,
  },
  DEPLOYMENT_INVALID: {
    status: 400,
    exit: 2,
    hint: 'Correct the deployment in keel.config.ts (docs/serving.md lists every field).',
    retryable: false,
  },
  SERVE_NOT_READY: {
    status: 503,
    exit: 3,
    hint: 'The deployment has no loaded model version yet: register one and point its alias (e.g. champion) at it; the server picks it up within seconds.',
    retryable: true,
  },
  SERVE_AUTH_REQUIRED: {
    status: 401,
    exit: 2,
    hint: 'Send `Authorization: Bearer <token>`; create one with `keel tokens create --role predict`.',
    retryable: false,
  },
  SERVE_FORBIDDEN: {
    status: 403,
    exit: 2,
    hint: 'This route needs a token with the admin role (`keel tokens create --role admin`).',
    retryable: false,
  },
  BATCH_INPUT_INVALID: {
    status: 400,
    exit: 2,
    hint: 'Give the batch an input with every column the model takes, in types that can hold its values, and an output named .parquet or .csv (docs/batch.md).',
    retryable: false,
  },
  BATCH_WRITE_FAILED: {
    status: 500,
    exit: 3,
    hint: 'Nothing was written at the output path; check that its directory exists, is writable and has free space, then rerun.',
    retryable: true,
  },
  BATCH_INTERRUPTED: {
    status: 499,
    exit: 130,
    hint: 'Nothing was written at the output path; rerun the batch to score the input.',
    retryable: true,
  },
  MONITOR_INVALID: {
    status: 400,
    exit: 2,
    hint: 'Correct the monitor in keel.config.ts (docs/monitoring.md lists every field and default).',
    retryable: false,
  },
  FEATURE_VIEW_INVALID: {
    status: 400,
    exit: 2,
    hint: 'Correct the feature view in keel.config.ts (docs/features.md lists every field); features are referenced as view:feature.',
    retryable: false,
  },
  FEATURE_KEY_INVALID: {
    status: 400,
    exit: 2,
    hint: 'Give one key part per entity column of the view, each a string or a finite number (`keel features get <view> a,b` for a composite key).',
    retryable: false,
  },
  FEATURE_RANGE_INVALID: {
    status: 400,
    exit: 2,
    hint: 'Give --start before --end (ISO times such as 2024-06-01T00:00:00Z, or epoch milliseconds).',
    retryable: false,
  },
  ONLINE_UNREACHABLE: {
    status: 503,
    exit: 3,
    hint: 'Check that the online store (Redis or the SQLite file) is reachable and that the `online` URL in keel.config.ts (or KEEL_ONLINE_URL) is right.',
    retryable: true,
  },
  QUICKSTART_FAILED: {
    status: 500,
    exit: 1,
    hint: 'The quickstart stopped at the step named; its project is left as it was for a look (keel models list, keel monitor history). Report it with the output.',
    retryable: false,
  },
  SCHEDULE_INVALID: {
    status: 400,
    exit: 2,
    hint: 'Correct the schedule in keel.config.ts: a five-field cron expression (UTC) or a trigger ("snapshot <dataset>", "alert <monitor>.<alert>"), and a job such as "train <model>" or "snapshot <dataset>".',
    retryable: false,
  },
  CLI_USAGE: {
    status: 400,
    exit: 64,
    hint: 'Run the command with --help to see its arguments and options.',
    retryable: false,
  },
  INTERNAL: {
    status: 500,
    exit: 70,
    hint: 'This is a bug in Keel; rerun with KEEL_DEBUG=1 for the stack trace and report it.',
    retryable: false,
  },
} as const satisfies Record<string, ErrorSpec>

/** A stable error code; see {@link ERRORS}. */
export type ErrorCode = keyof typeof ERRORS

/** The JSON shape of a KeelError, as the CLI prints it and servers send it. */
export interface KeelErrorJson {
  readonly code: ErrorCode
  readonly message: string
  readonly hint: string
}

/**
 * The one error class Keel throws. Branch on `code`, never on the message.
 *
 * @example
 * ```ts
 * try { await project.tracking.getRun(id) }
 * catch (e) { if (isKeelError(e) && e.code === 'RUN_NOT_FOUND') ... }
 * ```
 */
export class KeelError extends Error {
  override readonly name = 'KeelError'
  readonly code: ErrorCode
  readonly hint: string

  constructor(code: ErrorCode, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.hint = options.hint ?? ERRORS[code].hint
  }

  get status(): number {
    return ERRORS[this.code].status
  }

  get exitCode(): number {
    return ERRORS[this.code].exit
  }

  get retryable(): boolean {
    return ERRORS[this.code].retryable
  }

  toJSON(): KeelErrorJson {
    return { code: this.code, message: this.message, hint: this.hint }
  }

  /** Rebuilds an error received as JSON (e.g. over HTTP); unknown codes become INTERNAL. */
  static fromJSON(json: { code?: unknown; message?: unknown; hint?: unknown }): KeelError {
    const known = typeof json.code === 'string' && Object.hasOwn(ERRORS, json.code)
    const code = known ? (json.code as ErrorCode) : 'INTERNAL'
    const message = typeof json.message === 'string' ? json.message : 'unknown error'
    const hint = typeof json.hint === 'string' ? json.hint : undefined
    return new KeelError(code, message, hint === undefined ? {} : { hint })
  }
}

/** True when `value` is a {@link KeelError}. */
export function isKeelError(value: unknown): value is KeelError {
  return value instanceof KeelError
}

/** Converts any throwable into a KeelError once, at a boundary (CLI, HTTP, job runner). */
export function toKeelError(value: unknown): KeelError {
  if (value instanceof KeelError) return value
  const message = value instanceof Error ? value.message : String(value)
  return new KeelError('INTERNAL', message, { cause: value })
}

/**
 * @module Versioned schema migrations for the SQL metadata stores, applied on
 * open in one transaction.
 */
import { KeelError } from '../../core/errors.js'
import type { SqlClient, SqlDialect } from './sql-client.js'

export interface Migration {
  readonly version: number
  readonly name: string
  readonly statements: (d: SqlDialect) => readonly string[]
}

/** Every migration, in order. Append only: never edit one that has shipped. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'tracking',
    statements: ({ types: t }) => [
      `CREATE TABLE experiments (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        created_at ${t.bigint} NOT NULL)`,
      `CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        experiment_id TEXT NOT NULL REFERENCES experiments(id),
        name TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed', 'killed')),
        start_time ${t.bigint} NOT NULL,
        end_time ${t.bigint},
        parent_run_id TEXT REFERENCES runs(id),
        git_commit TEXT,
        git_dirty INTEGER,
        config_hash TEXT)`,
      'CREATE INDEX runs_by_experiment ON runs (experiment_id, id)',
      'CREATE INDEX runs_by_parent ON runs (parent_run_id)',
      `CREATE TABLE run_tags (
        run_id TEXT NOT NULL REFERENCES runs(id),
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (run_id, key))`,
      `CREATE TABLE run_params (
        run_id TEXT NOT NULL REFERENCES runs(id),
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (run_id, key))`,
      `CREATE TABLE run_metrics (
        seq ${t.serialKey},
        run_id TEXT NOT NULL REFERENCES runs(id),
        key TEXT NOT NULL,
        step ${t.bigint} NOT NULL,
        timestamp ${t.bigint} NOT NULL,
        value ${t.double},
        is_nan INTEGER NOT NULL DEFAULT 0)`,
      'CREATE INDEX run_metrics_by_key ON run_metrics (run_id, key, step)',
      `CREATE TABLE run_artifacts (
        run_id TEXT NOT NULL REFERENCES runs(id),
        name TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        size ${t.bigint} NOT NULL,
        created_at ${t.bigint} NOT NULL,
        PRIMARY KEY (run_id, name))`,
      `CREATE TABLE run_inputs (
        run_id TEXT NOT NULL REFERENCES runs(id),
        kind TEXT NOT NULL,
        name TEXT NOT NULL,
        ref TEXT NOT NULL,
        PRIMARY KEY (run_id, kind, name, ref))`,
    ],
  },
  {
    version: 2,
    name: 'data',
    statements: ({ types: t }) => [
      `CREATE TABLE snapshots (
        id TEXT PRIMARY KEY,
        dataset TEXT NOT NULL,
        created_at ${t.bigint} NOT NULL,
        content_hash TEXT NOT NULL,
        row_count ${t.bigint} NOT NULL,
        column_count INTEGER NOT NULL,
        quarantined ${t.bigint} NOT NULL,
        artifact_sha256 TEXT NOT NULL,
        quarantine_sha256 TEXT,
        config_hash TEXT,
        details TEXT NOT NULL)`,
      'CREATE INDEX snapshots_by_dataset ON snapshots (dataset, created_at)',
      `CREATE TABLE lineage_edges (
        from_kind TEXT NOT NULL,
        from_id TEXT NOT NULL,
        to_kind TEXT NOT NULL,
        to_id TEXT NOT NULL,
        created_at ${t.bigint} NOT NULL,
        PRIMARY KEY (from_kind, from_id, to_kind, to_id))`,
      'CREATE INDEX lineage_by_target ON lineage_edges (to_kind, to_id)',
    ],
  },
  {
    version: 3,
    name: 'registry',
    statements: ({ types: t }) => [
      `CREATE TABLE model_versions (
        name TEXT NOT NULL,
        version INTEGER NOT NULL,
        run_id TEXT,
        status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'archived')),
        created_at ${t.bigint} NOT NULL,
        created_by TEXT NOT NULL,
        signature TEXT NOT NULL,
        metrics TEXT NOT NULL,
        details TEXT NOT NULL,
        PRIMARY KEY (name, version))`,
      `CREATE TABLE model_aliases (
        name TEXT NOT NULL,
        alias TEXT NOT NULL,
        version INTEGER NOT NULL,
        updated_at ${t.bigint} NOT NULL,
        PRIMARY KEY (name, alias),
        FOREIGN KEY (name, version) REFERENCES model_versions (name, version))`,
      `CREATE TABLE model_audit (
        seq ${t.serialKey},
        name TEXT NOT NULL,
        version INTEGER,
        action TEXT NOT NULL,
        actor TEXT NOT NULL,
        reason TEXT,
        at ${t.bigint} NOT NULL,
        details TEXT NOT NULL)`,
      'CREATE INDEX model_audit_by_name ON model_audit (name, seq)',
    ],
  },
  {
    version: 4,
    name: 'pipeline step cache',
    statements: ({ types: t }) => [
      `CREATE TABLE step_cache (
        cache_key TEXT PRIMARY KEY,
        pipeline TEXT NOT NULL,
        step TEXT NOT NULL,
        artifact_sha256 TEXT NOT NULL,
        run_id TEXT,
        created_at ${t.bigint} NOT NULL,
        details TEXT NOT NULL)`,
      'CREATE INDEX step_cache_by_step ON step_cache (pipeline, step, created_at)',
    ],
  },
  {
    version: 5,
    name: 'serving',
    statements: ({ types: t }) => [
      `CREATE TABLE predictions (
        id TEXT PRIMARY KEY,
        deployment TEXT NOT NULL,
        model TEXT NOT NULL,
        version INTEGER NOT NULL,
        alias TEXT,
        at ${t.bigint} NOT NULL,
        inputs TEXT,
        inputs_hash TEXT NOT NULL,
        output TEXT NOT NULL,
        latency_ms ${t.double} NOT NULL,
        fallback INTEGER NOT NULL,
        shadow TEXT,
        sample_rate ${t.double} NOT NULL)`,
      'CREATE INDEX predictions_by_deployment ON predictions (deployment, at)',
      `CREATE TABLE feedback (
        prediction_id TEXT PRIMARY KEY REFERENCES predictions(id),
        label TEXT NOT NULL,
        at ${t.bigint} NOT NULL)`,
      `CREATE TABLE routing (
        model TEXT PRIMARY KEY,
        traffic TEXT NOT NULL,
        updated_at ${t.bigint} NOT NULL,
        actor TEXT NOT NULL)`,
      `CREATE TABLE api_tokens (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('predict', 'admin')),
        hash TEXT NOT NULL UNIQUE,
        created_at ${t.bigint} NOT NULL,
        revoked_at ${t.bigint})`,
    ],
  },
  {
    version: 6,
    name: 'schedules',
    statements: ({ types: t }) => [
      `CREATE TABLE schedule_runs (
        schedule TEXT NOT NULL,
        due_at ${t.bigint} NOT NULL,
        owner TEXT NOT NULL,
        claimed_at ${t.bigint} NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed')),
        finished_at ${t.bigint},
        error TEXT,
        PRIMARY KEY (schedule, due_at))`,
    ],
  },
  {
    version: 7,
    name: 'monitoring',
    statements: ({ types: t }) => [
      `CREATE TABLE monitor_results (
        seq ${t.serialKey},
        monitor TEXT NOT NULL,
        at ${t.bigint} NOT NULL,
        window_start ${t.bigint} NOT NULL,
        window_end ${t.bigint} NOT NULL,
        result TEXT NOT NULL)`,
      'CREATE INDEX monitor_results_by_monitor ON monitor_results (monitor, at)',
      `CREATE TABLE alert_states (
        monitor TEXT NOT NULL,
        alert TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('ok', 'pending', 'firing')),
        since ${t.bigint} NOT NULL,
        updated_at ${t.bigint} NOT NULL,
        PRIMARY KEY (monitor, alert))`,
      `CREATE TABLE alert_events (
        seq ${t.serialKey},
        monitor TEXT NOT NULL,
        alert TEXT NOT NULL,
        at ${t.bigint} NOT NULL,
        event TEXT NOT NULL,
        details TEXT NOT NULL)`,
    ],
  },
  {
    version: 8,
    name: 'feature view versions',
    statements: ({ types: t }) => [
      `CREATE TABLE feature_view_versions (
        name TEXT NOT NULL,
        version TEXT NOT NULL,
        definition TEXT NOT NULL,
        created_at ${t.bigint} NOT NULL,
        created_by TEXT NOT NULL,
        PRIMARY KEY (name, version))`,
      'CREATE INDEX feature_view_versions_by_time ON feature_view_versions (name, created_at)',
    ],
  },
  {
    version: 9,
    name: 'prediction features',
    // what the online feature lookup of each prediction found (present, missing, expired, a store error) and which values were defaulted
    statements: () => ['ALTER TABLE predictions ADD COLUMN features TEXT'],
  },
]

/** The newest schema version this build of Keel knows. */
export const SCHEMA_VERSION = Math.max(...MIGRATIONS.map((m) => m.version))

/**
 * Applies pending migrations in one transaction. `lock` runs first inside the
 * transaction so that concurrent openers on a shared server wait for each other.
 */
export async function migrate(client: SqlClient, lock?: (tx: SqlClient) => Promise<void>): Promise<number> {
  return client.transaction(async (tx) => {
    if (lock) await lock(tx)
    await tx.run(`CREATE TABLE IF NOT EXISTS keel_schema_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at ${tx.dialect.types.bigint} NOT NULL)`)
    const rows = await tx.all<{ version: number | string }>('SELECT version FROM keel_schema_migrations')
    const applied = new Set(rows.map((r) => Number(r.version)))
    const newest = Math.max(0, ...applied)
    if (newest > SCHEMA_VERSION) {
      throw new KeelError('METADATA_SCHEMA_TOO_NEW', `the metadata store is at schema version ${newest}; this Keel knows up to ${SCHEMA_VERSION}`)
    }
    let count = 0
    for (const m of MIGRATIONS) {
      if (applied.has(m.version)) continue
      for (const sql of m.statements(tx.dialect)) await tx.run(sql)
      await tx.run('INSERT INTO keel_schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [m.version, m.name, Date.now()])
      count++
    }
    return count
  })
}

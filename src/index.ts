/**
 * @module Keel's public API. Everything a user imports from `keel` is listed
 * here by name; a test snapshots this list.
 */

export type { DatasetDeclaration, EnvironmentConfig, ProjectConfig, RegistryConfig, ResolvedConfig, ResolveOptions, TrackingConfig } from './core/config.js'
export { defineProject } from './core/config.js'
export type { ErrorCode, KeelErrorJson } from './core/errors.js'
export { ERRORS, isKeelError, KeelError } from './core/errors.js'
export type { BooleanColumn, CategoryColumn, Column, ColumnKind, NumberColumn, TimestampColumn } from './core/frame.js'
export { Frame } from './core/frame.js'
export type { Experiment, MetricPoint, Run, RunArtifact, RunData, RunInput, RunStatus } from './core/types.js'
export type { ApplyOptions, CleanedRelation, StepRecord } from './data/components/apply.js'
export type { Component, ComponentContext, FrameComponent, SqlComponent, Step } from './data/components/component.js'
export {
  cast,
  clip,
  dedupe,
  defineComponent,
  derive,
  drop,
  fillMissing,
  filter,
  hashPii,
  listComponents,
  parseDates,
  rename,
  trimAndCase,
  winsorize,
} from './data/components/index.js'
export type { CheckExample, CheckKind, CheckResult, ContractReport } from './data/contracts/check.js'
export type { ColumnContract, ColumnType, Contract, ContractPolicy, SqlCheck } from './data/contracts/contract.js'
export { contract } from './data/contracts/contract.js'
export type { ColumnChange, DatasetSummary, SnapshotDiff, ValidationResult } from './data/data.js'
export { Data } from './data/data.js'
export type { DatasetConfig } from './data/dataset.js'
export { dataset } from './data/dataset.js'
export type { ColumnProfile } from './data/profile/profile.js'
export type { ReadFrameOptions } from './data/readers/read-frame.js'
export { readFrame } from './data/readers/read-frame.js'
export type { SnapshotResult } from './data/snapshot.js'
export type { CsvOptions, Source } from './data/sources/source.js'
export { csv, jsonl, parquet, postgresQuery, sqlQuery } from './data/sources/source.js'
export type { Sql, SqlValue } from './data/sql.js'
export { expr, ident, sql } from './data/sql.js'
export type { GainImportance, NamedGainImportance, ShapValues } from './learn/explain/index.js'
export { explain } from './learn/explain/index.js'
export type { FeatureImportance, PermutationImportance, PermutationOptions } from './learn/explain/permutation.js'
export type { XgboostImportOptions } from './learn/import/xgboost.js'
export { importXgboost } from './learn/import/xgboost.js'
export type { BaselineParams, BaselineStrategy } from './learn/learners/baseline.js'
export type { ForestParams } from './learn/learners/forest.js'
export type { GbdtObjective, GbdtParams } from './learn/learners/gbdt.js'
export { learners } from './learn/learners/index.js'
export type { LinearParams } from './learn/learners/linear.js'
export type { LinearCoefficients, LinearModel } from './learn/learners/linear-model.js'
export type { LogisticParams } from './learn/learners/logistic.js'
export { loadModel } from './learn/load.js'
export * as metrics from './learn/metrics/index.js'
export type { FeatureSpec, FitOptions, Learner, Model, Predictions, Task } from './learn/model.js'
export type { SearchOptions, SearchResult, SearchSpace, Trial } from './learn/search/index.js'
export { choice, intRange, logUniform, search, uniform } from './learn/search/index.js'
export type { TreeModel } from './learn/trees/tree-model.js'
export type { CrossValidateOptions, CrossValidation, FoldResult, Split } from './learn/validation/index.js'
export { crossValidate, holdout, kFold, stratifiedKFold, timeSplit } from './learn/validation/index.js'
export type { LineageNode } from './lineage.js'
export type { OpenProjectOptions, Project } from './project.js'
export { openProject } from './project.js'
export type { GateEvidence, GateResult, Gates, GateVerdict } from './registry/gates.js'
export { evaluateGates } from './registry/gates.js'
export type { ApprovalPolicy, ModelRef, RegisterOptions } from './registry/registry.js'
export { parseModelRef, Registry } from './registry/registry.js'
export type { ArtifactRef, ArtifactSource, ArtifactStore } from './stores/artifact-store.js'
export type {
  Actor,
  AuditEntry,
  LineageEdge,
  MetadataStore,
  ModelVersion,
  ModelVersionStatus,
  NewModelVersion,
  NewRun,
  RunBatch,
  RunFilter,
  SnapshotRecord,
} from './stores/metadata-store.js'
export type { ComparedValue, RunComparison } from './tracking/compare.js'
export type { LogMetricOptions } from './tracking/run-handle.js'
export { RunHandle } from './tracking/run-handle.js'
export type { ListRunsOptions, RunDetails, StartRunOptions } from './tracking/tracking.js'
export { Tracking } from './tracking/tracking.js'
export type { LoggableValue } from './tracking/validate.js'

/**
 * @module Keel's public API. Everything a user imports from `keel` is listed
 * here by name; a test snapshots this list.
 */

export type {
  DatasetDeclaration,
  DeploymentDeclaration,
  EnvironmentConfig,
  ModelDeclaration,
  ProjectConfig,
  RegistryConfig,
  ResolvedConfig,
  ResolveOptions,
  ScheduleDeclaration,
  TrackingConfig,
} from './core/config.js'
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
export type { FeatureDefinition, FeatureViewSpec, ResolvedFeatureView, WindowedKind } from './features/feature-view.js'
export { count, distinctCount, feature, featureView, latest, max, mean, min, sum } from './features/feature-view.js'
export type { ComputeRows, MaterializeOptions, MaterializeProgress, MaterializeResult } from './features/materialize.js'
export { materialize, materializeView } from './features/materialize.js'
export type { FeatureRow, PushedDownRead, TrainingSetLineage } from './features/offline.js'
export { historicalFeatures, valuesAsOf } from './features/offline.js'
export type { OnlineLookup } from './features/online.js'
export { getOnlineFeatures, lookupOnline } from './features/online.js'
export type { FeatureViewDiff, FeatureViewPlan, FeatureViewSummary } from './features/versions.js'
export { applyFeatureViews, listFeatureViews, planFeatureViews } from './features/versions.js'
export type { EvaluateOptions, Evaluation, Scores, SliceScores } from './learn/evaluation.js'
export { evaluateModel } from './learn/evaluation.js'
export type { GainImportance, NamedGainImportance, ShapValues } from './learn/explain/index.js'
export { explain } from './learn/explain/index.js'
export type { FeatureImportance, PermutationImportance, PermutationOptions } from './learn/explain/permutation.js'
export type { OnnxImportOptions } from './learn/import/onnx.js'
export { importOnnx } from './learn/import/onnx.js'
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
export type { ActionOutcome, AlertOutcome } from './monitor/alerts.js'
export type { AlertAction, AlertSpec, MonitorSpec, ResolvedMonitor, ResolvedWindow, WindowSpec } from './monitor/monitor-spec.js'
export { monitor, monitorFrom } from './monitor/monitor-spec.js'
export type { ReferenceProfile } from './monitor/reference.js'
export { referenceProfile } from './monitor/reference.js'
export type { MonitorResult, PerformanceResult, RunMonitorOptions } from './monitor/run.js'
export { runMonitor } from './monitor/run.js'
export * as drift from './monitor/stats/index.js'
export type { StepKeyParts } from './pipeline/cache.js'
export { StepCache, stepKey } from './pipeline/cache.js'
export type { Executor, Job } from './pipeline/executor.js'
export { inProcessExecutor } from './pipeline/executor.js'
export type { CandidateSpec, LearnerName, ModelSpec, ValidationSpec } from './pipeline/model-spec.js'
export { model } from './pipeline/model-spec.js'
export type { QuickStartOptions, QuickStartResult } from './pipeline/quick-start.js'
export { quickStart } from './pipeline/quick-start.js'
export type { Pipeline, PipelineResult, RunPipelineOptions, StepEvent, StepOutcome, StepStatus } from './pipeline/runner.js'
export { PipelineFailure, runPipeline } from './pipeline/runner.js'
export type { Cron } from './pipeline/schedule/cron.js'
export { parseCron } from './pipeline/schedule/cron.js'
export type { Job as ScheduledJob, JobOutcome, ResolvedSchedule, SchedulerOptions, ScheduleSpec } from './pipeline/schedule/scheduler.js'
export { Scheduler, schedulesFrom } from './pipeline/schedule/scheduler.js'
export type { PipelineStep, StepContext, StepInputs } from './pipeline/step.js'
export { decodeJson, decodeParts, defineStep, encodeJson, encodeParts } from './pipeline/step.js'
export type { TrainEvent } from './pipeline/train/steps.js'
export type { TrainOptions, TrainResult } from './pipeline/train/train.js'
export { train } from './pipeline/train/train.js'
export type { OpenProjectOptions, Project } from './project.js'
export { openProject } from './project.js'
export type { GateEvidence, GateResult, Gates, GateVerdict } from './registry/gates.js'
export { evaluateGates } from './registry/gates.js'
export { onnxInput } from './registry/onnx/input.js'
export type { ApprovalPolicy, ModelRef, RegisterOptions } from './registry/registry.js'
export { parseModelRef, Registry } from './registry/registry.js'
export type { DeliveryOutcome, DispatcherOptions, WebhookDelivery } from './serve/actions.js'
export { WebhookDispatcher } from './serve/actions.js'
export type { Role } from './serve/auth.js'
export { createToken, RateLimiter } from './serve/auth.js'
export type { BatchProgress, BatchResult, ScoreBatchOptions } from './serve/batch.js'
export { scoreBatch } from './serve/batch.js'
export type { DeploymentSpec, ResolvedDeployment } from './serve/deployment.js'
export { deployment } from './serve/deployment.js'
export type { Predictor, PredictorFactory } from './serve/predictor.js'
export type { RoutingState } from './serve/routing.js'
export { canary, promote, rollbackDeployment, routingState } from './serve/routing.js'
export type { Rule, RuleScope, RuleValue } from './serve/rules.js'
export { parseRule } from './serve/rules.js'
export type { KeelServer, ServeEvent, ServeOptions } from './serve/server.js'
export { serve } from './serve/server.js'
export type { FieldError, Signature, SignatureInput } from './serve/signature.js'
export { instancesToFrame, signatureOf } from './serve/signature.js'
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
export type {
  EntityKey,
  EntityKeyPart,
  FeatureValue,
  OnlineResult,
  OnlineRow,
  OnlineStore,
  OnlineStoreCapabilities,
  OnlineVersionRef,
  OnlineViewRef,
  Watermark,
} from './stores/online-store.js'
export type { ComparedValue, RunComparison } from './tracking/compare.js'
export type { LogMetricOptions } from './tracking/run-handle.js'
export { RunHandle } from './tracking/run-handle.js'
export type { ListRunsOptions, RunDetails, StartRunOptions } from './tracking/tracking.js'
export { Tracking } from './tracking/tracking.js'
export type { LoggableValue } from './tracking/validate.js'

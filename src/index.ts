/**
 * @module Keel's public API. Everything a user imports from `keel` is listed
 * here by name; a test snapshots this list.
 */

export type { EnvironmentConfig, ProjectConfig, ResolvedConfig, ResolveOptions, TrackingConfig } from './core/config.js'
export { defineProject } from './core/config.js'
export type { ErrorCode, KeelErrorJson } from './core/errors.js'
export { ERRORS, isKeelError, KeelError } from './core/errors.js'
export type { Experiment, MetricPoint, Run, RunArtifact, RunData, RunInput, RunStatus } from './core/types.js'
export type { OpenProjectOptions, Project } from './project.js'
export { openProject } from './project.js'
export type { ArtifactRef, ArtifactSource, ArtifactStore } from './stores/artifact-store.js'
export type { MetadataStore, NewRun, RunBatch, RunFilter } from './stores/metadata-store.js'
export type { ComparedValue, RunComparison } from './tracking/compare.js'
export type { LogMetricOptions } from './tracking/run-handle.js'
export { RunHandle } from './tracking/run-handle.js'
export type { ListRunsOptions, RunDetails, StartRunOptions } from './tracking/tracking.js'
export { Tracking } from './tracking/tracking.js'
export type { LoggableValue } from './tracking/validate.js'

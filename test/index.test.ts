import { describe, expect, expectTypeOf, it } from 'vitest'
import * as built from '../dist/index.js'
import * as keel from '../src/index.js'

describe('public API', () => {
  it('exports exactly these names (an addition here is a reviewed API change)', () => {
    expect(Object.keys(keel).sort()).toEqual([
      'Data',
      'ERRORS',
      'Frame',
      'KeelError',
      'PipelineFailure',
      'RateLimiter',
      'Registry',
      'RunHandle',
      'Scheduler',
      'StepCache',
      'Tracking',
      'WebhookDispatcher',
      'applyFeatureViews',
      'canary',
      'cast',
      'choice',
      'clip',
      'contract',
      'count',
      'createToken',
      'crossValidate',
      'csv',
      'dataset',
      'decodeJson',
      'decodeParts',
      'dedupe',
      'defineComponent',
      'defineProject',
      'defineStep',
      'deployment',
      'derive',
      'distinctCount',
      'drift',
      'drop',
      'encodeJson',
      'encodeParts',
      'evaluateGates',
      'evaluateModel',
      'explain',
      'expr',
      'feature',
      'featureView',
      'fillMissing',
      'filter',
      'getOnlineFeatures',
      'hashPii',
      'historicalFeatures',
      'holdout',
      'ident',
      'importOnnx',
      'importXgboost',
      'inProcessExecutor',
      'instancesToFrame',
      'intRange',
      'isKeelError',
      'jsonl',
      'kFold',
      'latest',
      'learners',
      'listComponents',
      'listFeatureViews',
      'loadModel',
      'logUniform',
      'lookupOnline',
      'materialize',
      'materializeView',
      'max',
      'mean',
      'metrics',
      'min',
      'model',
      'monitor',
      'monitorFrom',
      'onnxInput',
      'openProject',
      'parquet',
      'parseCron',
      'parseDates',
      'parseModelRef',
      'parseRule',
      'planFeatureViews',
      'postgresQuery',
      'promote',
      'quickStart',
      'readFrame',
      'referenceProfile',
      'rename',
      'rollbackDeployment',
      'routingState',
      'runMonitor',
      'runPipeline',
      'schedulesFrom',
      'scoreBatch',
      'search',
      'serve',
      'signatureOf',
      'sql',
      'sqlQuery',
      'stepKey',
      'stratifiedKFold',
      'sum',
      'timeSplit',
      'train',
      'trimAndCase',
      'uniform',
      'valuesAsOf',
      'winsorize',
    ])
  })

  it('is what the built package exports, as users import it', () => {
    expect(Object.keys(built).sort()).toEqual(Object.keys(keel).sort())
  })

  it('types defineProject as the config it is given', () => {
    const config = keel.defineProject({ name: 'x', environments: { production: { metadata: 'postgres://h/db' } } })
    expectTypeOf(config).toEqualTypeOf<keel.ProjectConfig>()
    expectTypeOf(keel.defineProject).parameter(0).toEqualTypeOf<keel.ProjectConfig>()
    // @ts-expect-error unknown keys are type errors at any depth
    keel.defineProject({ name: 'x', environments: { dev: { artefacts: 'file:a' } } })
    // @ts-expect-error unknown keys are type errors in keel.config.ts
    keel.defineProject({ name: 'x', enviroments: {} })
    // @ts-expect-error store URLs are strings
    keel.defineProject({ name: 'x', environments: { dev: { metadata: 5 } } })
  })

  it('types the tracking API', () => {
    expectTypeOf<keel.RunHandle['logMetric']>().parameter(0).toEqualTypeOf<string>()
    expectTypeOf<keel.RunHandle['logMetric']>().parameter(1).toEqualTypeOf<number>()
    expectTypeOf<ReturnType<keel.RunHandle['end']>>().toEqualTypeOf<Promise<keel.Run>>()
    expectTypeOf<keel.Run['status']>().toEqualTypeOf<'running' | 'finished' | 'failed' | 'killed'>()
  })
})

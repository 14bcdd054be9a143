/**
 * @module Predictors: what answers for a model version. The default runs the native model in
 * this process; a custom one (a remote model, an instrumented one in tests) plugs in through
 * `ServeOptions.predictor`.
 */
import type { Frame } from '../core/frame.js'
import type { Model, Predictions } from '../learn/model.js'
import type { ModelVersion } from '../stores/metadata-store.js'

export interface Predictor {
  predict(frame: Frame): Promise<Predictions>
}

/** Builds the predictor of a loaded version; default {@link nativePredictor}. */
export type PredictorFactory = (model: Model, version: ModelVersion) => Predictor

/** The model in this process: it computes synchronously, so {@link predictWithin} calls it directly. */
class NativePredictor implements Predictor {
  constructor(readonly model: Model) {}

  async predict(frame: Frame): Promise<Predictions> {
    return this.model.predict(frame)
  }
}

export const nativePredictor: PredictorFactory = (model) => new NativePredictor(model)

/** Whether the predictor is the model itself, in this process (so its other methods can be called directly). */
export function isNative(predictor: Predictor): boolean {
  return predictor instanceof NativePredictor
}

/**
 * Runs `predict` with a time limit. The native predictor computes synchronously, so a slow
 * prediction is noticed when it returns (and answered by the fallback), with no timer: a timer
 * could only fire after the answer anyway. An asynchronous predictor is cut off at the limit.
 */
export async function predictWithin(predictor: Predictor, frame: Frame, timeoutMs: number): Promise<{ predictions: Predictions; ms: number }> {
  const started = performance.now()
  if (predictor instanceof NativePredictor) {
    const predictions = predictor.model.predict(frame)
    const ms = performance.now() - started
    if (ms > timeoutMs) throw new PredictionTimeout(timeoutMs)
    return { predictions, ms }
  }
  let timer: NodeJS.Timeout | undefined
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PredictionTimeout(timeoutMs)), timeoutMs)
  })
  try {
    const predictions = await Promise.race([predictor.predict(frame), limit])
    const ms = performance.now() - started
    if (ms > timeoutMs) throw new PredictionTimeout(timeoutMs)
    return { predictions, ms }
  } finally {
    clearTimeout(timer)
  }
}

/**
 * {@link predictWithin} for rows already encoded (`Model.predictRows`): the native model
 * computes synchronously, so a slow prediction is noticed when it returns.
 */
export function predictRowsWithin(model: Model, rows: Float64Array, nRows: number, timeoutMs: number): Predictions {
  const started = performance.now()
  const predictions = (model.predictRows as NonNullable<Model['predictRows']>)(rows, nRows)
  if (performance.now() - started > timeoutMs) throw new PredictionTimeout(timeoutMs)
  return predictions
}

export class PredictionTimeout extends Error {
  constructor(readonly limitMs: number) {
    super(`the prediction took longer than ${limitMs} ms`)
  }
}

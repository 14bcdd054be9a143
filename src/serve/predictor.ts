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

export const nativePredictor: PredictorFactory = (model) => ({
  predict: async (frame) => model.predict(frame),
})

/**
 * Runs `predict` with a time limit. The native predictor computes synchronously, so a slow
 * prediction is noticed when it returns (and answered by the fallback); an asynchronous
 * predictor is cut off at the limit.
 */
export async function predictWithin(predictor: Predictor, frame: Frame, timeoutMs: number): Promise<{ predictions: Predictions; ms: number }> {
  const started = performance.now()
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

export class PredictionTimeout extends Error {
  constructor(readonly limitMs: number) {
    super(`the prediction took longer than ${limitMs} ms`)
  }
}

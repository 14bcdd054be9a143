/**
 * @module Restoring any saved Keel model from its bytes.
 */
import { KeelError } from '../core/errors.js'
import { type DecodedModel, decodeModel } from './format.js'
import { BASELINE_KIND, decodeBaseline } from './learners/baseline.js'
import { decodeForest, FOREST_KIND } from './learners/forest.js'
import { decodeGbdt, GBDT_KIND } from './learners/gbdt.js'
import { decodeLinear, LINEAR_KIND } from './learners/linear.js'
import { decodeLogistic, LOGISTIC_KIND } from './learners/logistic.js'
import type { Model } from './model.js'

const decoders: Readonly<Record<string, (decoded: DecodedModel) => Model>> = {
  [GBDT_KIND]: decodeGbdt,
  [FOREST_KIND]: decodeForest,
  [LOGISTIC_KIND]: decodeLogistic,
  [LINEAR_KIND]: decodeLinear,
  [BASELINE_KIND]: decodeBaseline,
}

/**
 * Rebuilds a model saved with `model.save()`; its predictions are bit-identical
 * to the original's. Bytes from a newer Keel, or not a Keel model, raise
 * MODEL_FORMAT_UNSUPPORTED.
 *
 * @example
 * ```ts
 * const bytes = model.save()
 * const again = loadModel(bytes)
 * again.predict(frame)
 * ```
 */
export function loadModel(bytes: Uint8Array): Model {
  const decoded = decodeModel(bytes)
  const decode = Object.hasOwn(decoders, decoded.kind) ? decoders[decoded.kind] : undefined
  if (!decode) {
    throw new KeelError('MODEL_FORMAT_UNSUPPORTED', `unknown model kind "${decoded.kind}" (known: ${Object.keys(decoders).join(', ')})`)
  }
  return decode(decoded)
}

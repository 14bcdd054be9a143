/**
 * @module Every learner Keel ships, grouped as `learners.*` in the public API.
 */
import { baseline } from './baseline.js'
import { randomForest } from './forest.js'
import { gbdt } from './gbdt.js'
import { linear } from './linear.js'
import { logistic } from './logistic.js'

/**
 * Learner factories. Each returns a `Learner` whose `fit(frame, { label })` resolves to a `Model`.
 *
 * @example
 * ```ts
 * const model = await learners.gbdt({ nTrees: 200, learningRate: 0.05 }).fit(train, { label: 'churned' })
 * ```
 */
export const learners = { gbdt, randomForest, logistic, linear, baseline } as const

/**
 * @module Answers: a model's predictions as the server returns them (a value, or a label with
 * its class probabilities), and what decision rules and shadows compare of them.
 */
import type { Predictions } from '../learn/model.js'
import type { RuleScope } from './rules.js'

/** One answered instance, as v1 returns it. */
export type Answer = number | string | { readonly label: string; readonly probabilities: Readonly<Record<string, number>> }

export function toAnswers(p: Predictions): Answer[] {
  if (p.task === 'regression') return Array.from(p.values)
  const k = p.classes.length
  const answers: Answer[] = new Array(p.nRows)
  for (let i = 0; i < p.nRows; i++) {
    let best = 0
    const probabilities: Record<string, number> = {}
    for (let c = 0; c < k; c++) {
      const v = p.values[i * k + c] as number
      probabilities[p.classes[c] as string] = v
      if (v > (p.values[i * k + best] as number)) best = c
    }
    answers[i] = { label: p.classes[best] as string, probabilities }
  }
  return answers
}

/** What a decision rule sees of one answer. */
export function ruleScope(answer: Answer, instance: unknown): RuleScope {
  const input = typeof instance === 'object' && instance !== null ? (instance as Record<string, unknown>) : {}
  if (typeof answer === 'number') return { value: answer, input }
  if (typeof answer === 'string') return { label: answer, input }
  const probabilities = Object.values(answer.probabilities)
  // binary: the second class (sorted) is the positive one, as in the metrics; multiclass: the top class
  const p = probabilities.length === 2 ? (probabilities[1] as number) : Math.max(...probabilities)
  return { p, label: answer.label, probabilities: answer.probabilities, input }
}

/** Whether a shadow agreed: the same label, or the same value within 1e-9 relative. */
export function sameAnswer(a: Answer, b: Answer): boolean {
  if (typeof a === 'object' && typeof b === 'object') return a.label === b.label
  if (typeof a === 'number' && typeof b === 'number') return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b))
  return a === b
}

/** A classification answer (label and probabilities) rather than a value. */
export function isLabelled(answer: Answer): boolean {
  return typeof answer === 'object'
}

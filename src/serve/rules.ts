/**
 * @module Decision rules on predictions: small boolean expressions such as `p > 0.9`,
 * `label == 'yes' and input.plan != 'pro'`, parsed once (never evaluated as code).
 *
 * Variables: `p` (binary: the positive class's probability; multiclass: the top one), `label`
 * (classification), `value` (regression), `probabilities.<class>`, `input.<feature>`.
 * Operators: `< <= > >= == !=`, `and`, `or`, `not`, parentheses; literals: numbers, 'strings'
 * or "strings", true, false, null.
 */
import { KeelError } from '../core/errors.js'

export type RuleValue = number | string | boolean | null

type Node =
  | { readonly kind: 'literal'; readonly value: RuleValue }
  | { readonly kind: 'variable'; readonly path: readonly string[] }
  | { readonly kind: 'not'; readonly operand: Node }
  | { readonly kind: 'binary'; readonly op: string; readonly left: Node; readonly right: Node }

/** What a rule sees of one prediction. */
export interface RuleScope {
  readonly p?: number
  readonly label?: string
  readonly value?: number
  readonly probabilities?: Readonly<Record<string, number>>
  readonly input?: Readonly<Record<string, unknown>>
}

export interface Rule {
  readonly text: string
  test(scope: RuleScope | Readonly<Record<string, unknown>>): boolean
}

/** For rules over other data (alert rules): the allowed top-level names; any dotted path below them. */
export interface RuleOptions {
  readonly roots: readonly string[]
  /** Said in errors: what the names are. */
  readonly hint: string
}

const TOKEN =
  /\s*(?:(-?\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|-?\.\d+(?:[eE][+-]?\d+)?)|('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")|([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_-]+)*)|(<=|>=|==|!=|<|>|\(|\)))/y

function tokenize(text: string): string[] {
  const tokens: string[] = []
  TOKEN.lastIndex = 0
  let at = 0
  while (at < text.length) {
    if (/^\s*$/.test(text.slice(at))) break
    TOKEN.lastIndex = at
    const m = TOKEN.exec(text)
    if (!m) throw invalid(text, `unexpected "${text.slice(at).trim().slice(0, 10)}" at character ${at + 1}`)
    tokens.push((m[1] ?? m[2] ?? m[3] ?? m[4]) as string)
    at = TOKEN.lastIndex
  }
  return tokens
}

const PREDICTION_HINT = "Rules compare p, label, value, probabilities.<class> or input.<feature> with numbers or 'strings', joined by and / or / not."

function invalid(text: string, why: string, hint = PREDICTION_HINT): KeelError {
  return new KeelError('DEPLOYMENT_INVALID', `rule ${JSON.stringify(text)}: ${why}`, { hint })
}

const ROOTS = new Set(['p', 'label', 'value', 'probabilities', 'input'])
const COMPARE = new Set(['<', '<=', '>', '>=', '==', '!='])

/**
 * Parses a rule; DEPLOYMENT_INVALID says what is wrong and where.
 *
 * @example
 * ```ts
 * parseRule("p > 0.9 and input.plan != 'pro'").test({ p: 0.95, input: { plan: 'basic' } }) // true
 * ```
 */
export function parseRule(text: string, options?: RuleOptions): Rule {
  const tokens = tokenize(text)
  let i = 0
  const peek = () => tokens[i]
  const take = () => tokens[i++]
  const or = (): Node => {
    let left = and()
    while (peek() === 'or') {
      take()
      left = { kind: 'binary', op: 'or', left, right: and() }
    }
    return left
  }
  const and = (): Node => {
    let left = not()
    while (peek() === 'and') {
      take()
      left = { kind: 'binary', op: 'and', left, right: not() }
    }
    return left
  }
  const not = (): Node => {
    if (peek() === 'not') {
      take()
      return { kind: 'not', operand: not() }
    }
    return comparison()
  }
  const comparison = (): Node => {
    const left = operand()
    const op = peek()
    if (op !== undefined && COMPARE.has(op)) {
      take()
      return { kind: 'binary', op, left, right: operand() }
    }
    return left
  }
  const operand = (): Node => {
    const t = take()
    if (t === undefined) throw invalid(text, 'ends too early')
    if (t === '(') {
      const inner = or()
      if (take() !== ')') throw invalid(text, 'a parenthesis is not closed')
      return inner
    }
    if (/^-?[\d.]/.test(t)) return { kind: 'literal', value: Number(t) }
    if (t.startsWith("'") || t.startsWith('"')) return { kind: 'literal', value: t.slice(1, -1).replace(/\\(.)/g, '$1') }
    if (t === 'true' || t === 'false') return { kind: 'literal', value: t === 'true' }
    if (t === 'null') return { kind: 'literal', value: null }
    const path = t.split('.')
    if (options !== undefined) {
      if (!options.roots.includes(path[0] as string) || path.length < 2) throw invalid(text, `unknown name "${t}"`, options.hint)
      return { kind: 'variable', path }
    }
    if (
      !ROOTS.has(path[0] as string) ||
      (path[0] === 'input' || path[0] === 'probabilities') !== (path.length === 2) ||
      (path[0] !== 'input' && path[0] !== 'probabilities' && path.length !== 1)
    ) {
      throw invalid(text, `unknown name "${t}" (use p, label, value, probabilities.<class>, input.<feature>)`)
    }
    return { kind: 'variable', path }
  }
  const tree = or()
  if (i < tokens.length) throw invalid(text, `unexpected "${tokens[i]}"`)
  return { text, test: (scope) => truthy(evaluate(tree, scope as Readonly<Record<string, unknown>>)) }
}

/** Walks the path through nested objects; anything absent or not a scalar is null. */
function lookup(path: readonly string[], scope: Readonly<Record<string, unknown>>): RuleValue {
  let v: unknown = scope
  for (const key of path) {
    if (typeof v !== 'object' || v === null || !Object.hasOwn(v, key)) return null
    v = (v as Record<string, unknown>)[key]
  }
  return typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' ? v : null
}

function evaluate(node: Node, scope: Readonly<Record<string, unknown>>): RuleValue {
  switch (node.kind) {
    case 'literal':
      return node.value
    case 'variable':
      return lookup(node.path, scope)
    case 'not':
      return !truthy(evaluate(node.operand, scope))
    case 'binary': {
      if (node.op === 'and') return truthy(evaluate(node.left, scope)) && truthy(evaluate(node.right, scope))
      if (node.op === 'or') return truthy(evaluate(node.left, scope)) || truthy(evaluate(node.right, scope))
      const a = evaluate(node.left, scope)
      const b = evaluate(node.right, scope)
      if (node.op === '==') return a === b
      if (node.op === '!=') return a !== b
      // ordering compares numbers with numbers and strings with strings; anything else is false
      if (typeof a !== typeof b || (typeof a !== 'number' && typeof a !== 'string')) return false
      const x = a as number | string
      const y = b as number | string
      return node.op === '<' ? x < y : node.op === '<=' ? x <= y : node.op === '>' ? x > y : x >= y
    }
  }
}

function truthy(v: RuleValue): boolean {
  return v === true || (typeof v === 'number' && v !== 0) || (typeof v === 'string' && v !== '')
}

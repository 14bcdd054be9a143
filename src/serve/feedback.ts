/**
 * @module The body of `POST /v1/feedback`: one item, a list, or `{feedback: [...]}`, each a
 * prediction id and a label, checked item by item.
 */
import { HttpError } from './http-error.js'

/** `{id, label}`, `{feedback: [{id, label}, …]}` or `[{id, label}, …]`. */
export function feedbackItems(body: unknown): { id: string; label: unknown }[] {
  const list = Array.isArray(body)
    ? body
    : typeof body === 'object' && body !== null && Array.isArray((body as { feedback?: unknown }).feedback)
      ? (body as { feedback: unknown[] }).feedback
      : [body]
  if (list.length === 0 || list.length > 10_000) throw new HttpError(400, 'INVALID_INPUT', 'send 1 to 10,000 feedback items')
  return list.map((item, i) => {
    const f = item as { id?: unknown; label?: unknown }
    if (typeof f !== 'object' || f === null || typeof f.id !== 'string' || f.id === '')
      throw new HttpError(400, 'INVALID_INPUT', `feedback[${i}]: id must be a prediction id (string)`)
    if (
      !Object.hasOwn(f, 'label') ||
      f.label === null ||
      (typeof f.label !== 'string' && typeof f.label !== 'number' && typeof f.label !== 'boolean') ||
      (typeof f.label === 'number' && !Number.isFinite(f.label))
    ) {
      throw new HttpError(400, 'INVALID_INPUT', `feedback[${i}]: label must be a string, a finite number or a boolean`)
    }
    return { id: f.id, label: f.label }
  })
}

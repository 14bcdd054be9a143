/**
 * @module Store URLs in messages and output.
 */

/** The URL with any password replaced by `***`, safe to print or put in an error. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (!parsed.password) return url
    parsed.password = '***'
    return parsed.toString()
  } catch {
    return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@')
  }
}

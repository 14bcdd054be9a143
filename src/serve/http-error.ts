/**
 * @module An error the server answers with its own status and code (a client's mistake, an
 * unready deployment), as opposed to a failure it reports as 500.
 */

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message)
  }
}

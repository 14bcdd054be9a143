/** @module The OpenAPI 3 document of a running server: each deployment's predict route with its instance schema from the serving signature. */
import type { DeploymentRuntime } from './runtime.js'
import type { SignatureInput } from './signature.js'

function schemaOf(input: SignatureInput): Record<string, unknown> {
  switch (input.kind) {
    case 'number':
      return { type: ['number', 'null'] }
    case 'boolean':
      return { type: ['boolean', 'null'] }
    case 'timestamp':
      return { anyOf: [{ type: 'string', format: 'date-time' }, { type: 'number', description: 'epoch milliseconds' }, { type: 'null' }] }
    case 'category':
      return { type: ['string', 'null'], ...(input.levels ? { examples: input.levels.slice(0, 10) } : {}) }
  }
}

export function openApiDocument(runtimes: readonly DeploymentRuntime[]): Record<string, unknown> {
  const paths: Record<string, unknown> = {}
  for (const r of runtimes) {
    const primary = r.choose('openapi')?.loaded
    const inputs = primary?.signature.inputs ?? []
    const instance = {
      type: 'object',
      additionalProperties: false,
      required: inputs.map((i) => i.name),
      properties: Object.fromEntries(inputs.map((i) => [i.name, schemaOf(i)])),
    }
    const output = primary?.signature.output
    const prediction =
      output === undefined || output.task === 'regression'
        ? { type: 'number' }
        : {
            type: 'object',
            properties: {
              label: { type: 'string', enum: output.classes },
              probabilities: { type: 'object', properties: Object.fromEntries(output.classes.map((c) => [c, { type: 'number' }])) },
            },
          }
    paths[`/v1/models/${r.name}:predict`] = {
      post: {
        summary: `Predict with ${r.spec.model}${primary ? ` (version ${primary.version} now)` : ''}`,
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                oneOf: [
                  {
                    type: 'object',
                    required: ['instances'],
                    properties: { instances: { type: 'array', maxItems: r.spec.maxInstances, items: instance }, key: { type: 'string' } },
                  },
                  instance,
                ],
              },
            },
          },
        },
        responses: {
          200: {
            description: 'Predictions with their ids (for feedback) and the answering version',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: {
                    predictions: { type: 'array', items: prediction },
                    ids: { type: 'array', items: { type: 'string' } },
                    model: { type: 'object', properties: { name: { type: 'string' }, version: { type: 'integer' }, alias: { type: 'string' } } },
                    fallback: { type: 'boolean' },
                  },
                },
              },
            },
          },
          400: { description: 'Invalid instances, with field-level errors' },
          413: { description: 'Body too large or too many instances' },
          429: { description: 'Rate limited' },
          503: { description: 'No model version loaded, or the model failed without a fallback' },
        },
      },
    }
  }
  paths['/v1/feedback'] = {
    post: {
      summary: 'Ground truth for logged predictions: {id, label} or {feedback: [{id, label}, …]}',
      responses: { 200: { description: 'Recorded; unknown ids listed' }, 404: { description: 'No id was known' } },
    },
  }
  return { openapi: '3.0.3', info: { title: 'Keel model server', version: '1' }, paths }
}

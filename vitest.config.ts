import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // PostgreSQL suites share one server; files run in parallel, each on its own schema
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
})

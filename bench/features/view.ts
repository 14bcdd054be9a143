/** @module The feature view the offline benches compute: a customer's latest amount and plan (30-day TTL), optionally with two windowed aggregations. */
import { count, featureView, featureViewFrom, latest, sum } from '../../src/features/feature-view.js'

export function customerView(windows: boolean) {
  return featureViewFrom(
    {
      customer: featureView({
        entity: 'customer_id',
        timestamp: 'event_time',
        source: 'events',
        ttl: '30d',
        features: { amount: latest('amount'), plan: latest('plan'), ...(windows ? { spend_7d: sum('amount', '7d'), orders_30d: count('30d') } : {}) },
      }),
    },
    'customer',
  )
}

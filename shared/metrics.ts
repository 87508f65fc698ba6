/**
 * CloudWatch metric names, namespace and service dimensions, shared by the functions (Powertools
 * Metrics) and by infra/ (alarms and the dashboard): a name changed here changes both.
 */
export const METRICS_NAMESPACE = 'OrderPipeline';

/** Powertools' `service` dimension of each function. */
export const SERVICES = { ingest: 'ingest', api: 'api', submit: 'submit', migrate: 'migrate' } as const;

export const METRIC = {
  // ingest
  RecordsReceived: 'RecordsReceived',
  OrdersStored: 'OrdersStored',
  OrdersDuplicate: 'OrdersDuplicate',
  OrdersConflict: 'OrdersConflict',
  OrdersRejected: 'OrdersRejected',
  /** Invocations failed at once on a defect or misconfiguration (shared/db/errors.ts), not an outage. */
  IngestDefects: 'IngestDefects',
  // api
  Requests: 'Requests',
  CacheHit: 'CacheHit',
  CacheMiss: 'CacheMiss',
  ServerError: 'ServerError',
  // submit
  OrdersAccepted: 'OrdersAccepted',
  BrokerUnavailable: 'BrokerUnavailable',
  RequestsRefused: 'RequestsRefused',
  InternalErrors: 'InternalErrors',
} as const;
export type MetricName = (typeof METRIC)[keyof typeof METRIC];

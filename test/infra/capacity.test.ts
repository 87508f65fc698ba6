/**
 * The numbers of docs/deploy.md and docs/capacity.md, from the same functions synth uses (no
 * synth here: the configuration alone decides them; pipeline-stack.test.ts checks that the
 * template carries the same reserved concurrency and pool sizes).
 */
import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import {
  CAPACITY_PROFILES,
  connectionBudget,
  instanceMemoryGiB,
  KAFKA_FUNCTION_MAX_TIMEOUT_SECONDS,
  maxConnections,
  survivableOutageSeconds,
} from '../../infra/capacity.js';
import { ConfigError, readConfig } from '../../infra/config.js';

const configOf = (context: Record<string, unknown>) => readConfig(new App({ context }).node);

describe('max_connections of an instance class', () => {
  it('follows LEAST(DBInstanceClassMemory / 9531392, 5000) with 75 % of the nominal memory', () => {
    expect(instanceMemoryGiB('t4g.micro')).toBe(1);
    expect(instanceMemoryGiB('m7g.large')).toBe(8);
    expect(instanceMemoryGiB('r7g.2xlarge')).toBe(64);
    expect(maxConnections('t4g.micro')).toBe(84);
    expect(maxConnections('t4g.medium')).toBe(337);
    expect(maxConnections('r7g.2xlarge')).toBe(5000);
  });

  it('refuses a class it does not know instead of guessing', () => {
    expect(maxConnections('x2g.large')).toBeUndefined();
    expect(() => configOf({ dbInstanceClass: 'x2g.large' })).toThrow(/context dbInstanceClass:/);
  });
});

describe('connection budget', () => {
  it.each(Object.keys(CAPACITY_PROFILES))('holds for the %s row of docs/capacity.md', (row) => {
    const budget = connectionBudget(configOf(CAPACITY_PROFILES[row]!));
    console.log(`connection budget ${row}: ${budget?.runtime} runtime + ${budget?.overhead} other <= ${budget?.maxConnections}`);
    expect(budget?.holds).toBe(true);
    expect(budget!.runtime + budget!.overhead).toBeLessThanOrEqual(budget!.maxConnections);
  });

  it('counts the defaults as 6 ingest × 2 + 10 api × 2 direct connections on a t4g.micro', () => {
    expect(connectionBudget(configOf({}))).toEqual({ maxConnections: 84, runtime: 32, overhead: 15, holds: true });
  });

  it('counts the proxy by its share of max_connections, not by function containers', () => {
    const budget = connectionBudget(configOf({ useRdsProxy: 'true', apiReservedConcurrency: '500' }));
    expect(budget).toMatchObject({ runtime: Math.ceil(84 * 0.7), holds: true });
  });

  it('fails synth with the keys to change when it does not hold', () => {
    expect(() => configOf({ apiReservedConcurrency: '40' })).toThrow(ConfigError);
    expect(() => configOf({ apiReservedConcurrency: '40' })).toThrow(/apiReservedConcurrency.*connection budget exceeded on t4g\.micro/);
  });
});

describe('ingest outage budget', () => {
  it('survives a 5-minute database outage without sending anything to the DLQ with the defaults', () => {
    const config = configOf({});
    // Every attempt (the first and each of the 10 retries) waits up to the budget.
    expect(survivableOutageSeconds(config)).toBe(11 * 240);
    expect(survivableOutageSeconds(config)).toBeGreaterThanOrEqual(5 * 60);
    // And the records are not too old for the last retry.
    expect(config.consumer.maxRecordAgeSeconds).toBeGreaterThanOrEqual(
      (config.consumer.retryAttempts + 1) * config.consumer.timeoutSeconds,
    );
  });

  it('keeps the ingest timeout under the 14-minute cap of Kafka-triggered functions', () => {
    const config = configOf({});
    expect(config.consumer.timeoutSeconds).toBe(300);
    expect(configOf({ ingestOutageBudgetSeconds: '780' }).consumer.timeoutSeconds).toBe(KAFKA_FUNCTION_MAX_TIMEOUT_SECONDS);
  });

  it('holds for the 10k orders/s row too', () => {
    expect(survivableOutageSeconds(configOf(CAPACITY_PROFILES['10k-orders-per-second']!))).toBeGreaterThanOrEqual(5 * 60);
  });
});

/**
 * The X-Ray middleware without the X-Ray SDK: the subsegment it sends per invocation, when it
 * sends none, and the datagram the daemon receives (a real UDP socket stands in for the daemon,
 * which cannot run here).
 */
import { createSocket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { daemonSink, type SubsegmentDocument, tracing } from '../../shared/tracing.js';
import { lambdaContext } from '../support/lambda.js';

const TRACE = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
const LAMBDA = { AWS_LAMBDA_FUNCTION_NAME: 'api', _HANDLER: 'index.handler' };

afterEach(() => vi.unstubAllEnvs());

function tracedHandler(env: NodeJS.ProcessEnv, work: () => Promise<string> = async () => 'ok') {
  const documents: SubsegmentDocument[] = [];
  const handler = middy<unknown, string>(work, { timeoutEarlyInMillis: 0 }).use(
    tracing('api', { sink: (document) => documents.push(document), env }),
  );
  return { documents, invoke: () => handler({}, lambdaContext() as Context) };
}

describe('tracing', () => {
  it('sends one subsegment per sampled invocation, ColdStart only on the first', async () => {
    vi.stubEnv('_X_AMZN_TRACE_ID', TRACE);
    const { documents, invoke } = tracedHandler(LAMBDA);
    await invoke();
    await invoke();
    expect(documents).toHaveLength(2);
    expect(documents[0]).toMatchObject({
      name: '## index.handler',
      type: 'subsegment',
      trace_id: '1-5759e988-bd862e3fe1be46a994272793',
      parent_id: '53995c3f42cd8ad8',
      annotations: { ColdStart: true, Service: 'api' },
    });
    expect(documents[0]!.id).toMatch(/^[0-9a-f]{16}$/);
    expect(documents[0]!.end_time).toBeGreaterThanOrEqual(documents[0]!.start_time);
    expect(documents[1]!.annotations.ColdStart).toBe(false);
    expect(documents[1]!.id).not.toBe(documents[0]!.id);
  });

  it('records a thrown error as a fault with its type and message, and rethrows it', async () => {
    vi.stubEnv('_X_AMZN_TRACE_ID', TRACE);
    const { documents, invoke } = tracedHandler(LAMBDA, async () => {
      throw new TypeError('boom');
    });
    await expect(invoke()).rejects.toThrow('boom');
    expect(documents[0]).toMatchObject({ fault: true, cause: { exceptions: [{ type: 'TypeError', message: 'boom' }] } });
  });

  it.each([
    ['an unsampled invocation', TRACE.replace('Sampled=1', 'Sampled=0'), LAMBDA],
    ['tracing turned off', TRACE, { ...LAMBDA, POWERTOOLS_TRACE_ENABLED: 'false' }],
    ['outside Lambda', TRACE, {}],
  ])('sends nothing for %s', async (_, trace, env) => {
    vi.stubEnv('_X_AMZN_TRACE_ID', trace);
    const { documents, invoke } = tracedHandler(env);
    await invoke();
    expect(documents).toEqual([]);
  });

  it("sends the daemon's header line and the document in one datagram to AWS_XRAY_DAEMON_ADDRESS", async () => {
    const daemon = createSocket('udp4');
    await new Promise<void>((resolve) => daemon.bind(0, '127.0.0.1', resolve));
    const { port } = daemon.address() as AddressInfo;
    const received = new Promise<string>((resolve) => daemon.once('message', (message) => resolve(message.toString('utf8'))));
    const document = {
      name: '## index.handler',
      id: 'a'.repeat(16),
      trace_id: '1-x',
      parent_id: 'b',
      start_time: 1,
      end_time: 2,
      type: 'subsegment',
      annotations: {},
    } as const;
    daemonSink({ AWS_XRAY_DAEMON_ADDRESS: `tcp:127.0.0.1:${port} udp:127.0.0.1:${port}` })(document);
    const [header, body] = (await received).split('\n');
    daemon.close();
    expect(JSON.parse(header!)).toEqual({ format: 'json', version: 1 });
    expect(JSON.parse(body!)).toEqual(document);
  });
});

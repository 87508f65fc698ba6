/**
 * X-Ray tracing for the functions invoked through API Gateway (the infra turns on active tracing
 * for them): per invocation, one subsegment `## <handler>` under the function's segment, with the
 * annotations Powertools' Tracer adds (ColdStart, Service) and the error if the handler threw,
 * sent to the X-Ray daemon over UDP. Only while Lambda runs the function, the invocation is
 * sampled and POWERTOOLS_TRACE_ENABLED is not false. Responses are not recorded: they carry names
 * and addresses.
 *
 * Not Powertools' Tracer: it loads aws-xray-sdk-core (with cls-hooked and semver), which cost
 * the read API's and submit's cold start more than anything else left (docs/benchmarks.md), to
 * send this one document. What it did beyond this, and is not done here: subsegments for
 * outgoing HTTP calls (the only one is the Secrets Manager read, once per container).
 * Protocol: docs.aws.amazon.com/xray/latest/devguide/xray-api-sendingdata.html (daemon: a JSON
 * header line, then the segment document); fields: xray-api-segmentdocuments.html.
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { getXrayTraceDataFromEnv } from '@aws-lambda-powertools/commons/utils/env';
import type { MiddlewareObj } from '@middy/core';

const DAEMON_HEADER = '{"format":"json","version":1}\n';

export interface SubsegmentDocument {
  name: string;
  id: string;
  trace_id: string;
  parent_id: string;
  start_time: number;
  end_time: number;
  type: 'subsegment';
  annotations: Record<string, string | boolean>;
  fault?: true;
  cause?: { exceptions: Array<{ id: string; message: string; type: string }> };
}

/** Where subsegments go: the daemon's UDP port (AWS_XRAY_DAEMON_ADDRESS); tests pass their own. */
export type SegmentSink = (document: SubsegmentDocument) => void;

function daemonAddress(env: NodeJS.ProcessEnv): { host: string; port: number } {
  // "host:port", or "tcp:host:port udp:host:port" (segments go over UDP).
  const value = env.AWS_XRAY_DAEMON_ADDRESS ?? '127.0.0.1:2000';
  const udp =
    value
      .split(' ')
      .find((part) => part.startsWith('udp:'))
      ?.slice(4) ?? value;
  const [host = '127.0.0.1', port = '2000'] = udp.split(':');
  return { host, port: Number(port) };
}

/** A sink that sends each document in one datagram; the socket is opened on first use and never keeps the process alive. */
export function daemonSink(env: NodeJS.ProcessEnv = process.env): SegmentSink {
  let socket: Socket | undefined;
  return (document) => {
    const { host, port } = daemonAddress(env);
    socket ??= createSocket('udp4').unref();
    // Tracing never fails an invocation: a lost datagram is a lost subsegment.
    socket.send(`${DAEMON_HEADER}${JSON.stringify(document)}`, port, host, () => {});
  };
}

const seconds = () => Date.now() / 1000;

/** Whether this invocation is traced: in Lambda, sampled, and not turned off. */
function traced(env: NodeJS.ProcessEnv): { Root: string; Parent: string } | undefined {
  if (env.POWERTOOLS_TRACE_ENABLED?.toLowerCase() === 'false' || env.AWS_LAMBDA_FUNCTION_NAME === undefined) return undefined;
  if (env.AWS_SAM_LOCAL !== undefined || env.POWERTOOLS_DEV?.toLowerCase() === 'true') return undefined;
  const data = getXrayTraceDataFromEnv();
  return data?.Root && data.Parent && data.Sampled === '1' ? { Root: data.Root, Parent: data.Parent } : undefined;
}

/** The tracing middleware of one function (outermost, so that it sees the whole invocation). */
export function tracing(
  serviceName: string,
  { sink = daemonSink(), env = process.env }: { sink?: SegmentSink; env?: NodeJS.ProcessEnv } = {},
): MiddlewareObj {
  let coldStart = true;
  let open: { document: SubsegmentDocument } | undefined;
  const close = (error?: unknown) => {
    if (!open) return;
    const { document } = open;
    open = undefined;
    document.end_time = seconds();
    if (error !== undefined) {
      const { name = 'Error', message = String(error) } = error as Partial<Error>;
      document.fault = true;
      document.cause = { exceptions: [{ id: randomBytes(8).toString('hex'), message, type: name }] };
    }
    sink(document);
  };
  return {
    before: () => {
      const trace = traced(env);
      const annotations = { ColdStart: coldStart, Service: serviceName };
      coldStart = false;
      if (!trace) return;
      open = {
        document: {
          name: `## ${env._HANDLER ?? 'index.handler'}`,
          id: randomBytes(8).toString('hex'),
          trace_id: trace.Root,
          parent_id: trace.Parent,
          start_time: seconds(),
          end_time: 0,
          type: 'subsegment',
          annotations,
        },
      };
    },
    after: () => close(),
    onError: ({ error }) => close(error),
  };
}

// The Lambda Runtime API of one execution environment, as AWS documents it for version 2018-06-01
// (docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html):
//   GET  /2018-06-01/runtime/invocation/next              the next event; headers Lambda-Runtime-Aws-Request-Id,
//        Lambda-Runtime-Deadline-Ms, Lambda-Runtime-Invoked-Function-Arn, Lambda-Runtime-Trace-Id
//   POST /2018-06-01/runtime/invocation/{id}/response     the function's answer (202)
//   POST /2018-06-01/runtime/invocation/{id}/error        a function error { errorMessage, errorType, stackTrace } (202)
//   POST /2018-06-01/runtime/init/error                   the handler could not be loaded (202)
// A `next` request is held open until an invocation arrives (long poll). One environment runs one
// invocation at a time, so the server holds at most one invocation.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const BASE = '/2018-06-01/runtime';
/** API Gateway's and Lambda's synchronous payload limit (6 MB); a larger answer is a function error. */
const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;

export interface FunctionErrorBody {
  errorType: string;
  errorMessage: string;
  stackTrace?: string[];
}

export interface RuntimeInvocation {
  requestId: string;
  /** The event as JSON, in UTF-8. */
  payload: Buffer;
  deadlineMs: number;
  functionArn: string;
  traceId: string;
}

export type RuntimeAnswer = { ok: true; payload: string } | { ok: false; error: FunctionErrorBody };

export interface RuntimeApiEvents {
  /** The runtime asked for an event: the first time, its init is done. */
  onNext(): void;
  onInitError(error: FunctionErrorBody): void;
}

export interface RuntimeApi {
  /** host:port, for AWS_LAMBDA_RUNTIME_API. */
  readonly address: string;
  /** Hands `invocation` to the runtime (now, or on its next `next`); resolves with its answer. */
  invoke(invocation: RuntimeInvocation): Promise<RuntimeAnswer>;
  close(): Promise<void>;
}

function readBody(request: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function errorBody(text: string, headerType: string | string[] | undefined): FunctionErrorBody {
  try {
    const parsed = JSON.parse(text) as Partial<FunctionErrorBody>;
    return {
      errorType: String(parsed.errorType ?? headerType ?? 'Unknown'),
      errorMessage: String(parsed.errorMessage ?? ''),
      ...(Array.isArray(parsed.stackTrace) ? { stackTrace: parsed.stackTrace.map(String) } : {}),
    };
  } catch {
    return { errorType: String(headerType ?? 'Unknown'), errorMessage: text };
  }
}

function accepted(response: http.ServerResponse): void {
  response.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"OK"}');
}

function notFound(response: http.ServerResponse, message: string): void {
  response
    .writeHead(404, { 'content-type': 'application/json' })
    .end(JSON.stringify({ errorType: 'InvalidRequestID', errorMessage: message }));
}

function deliver(response: http.ServerResponse, invocation: RuntimeInvocation): void {
  response.writeHead(200, {
    'content-type': 'application/json',
    'lambda-runtime-aws-request-id': invocation.requestId,
    'lambda-runtime-deadline-ms': String(invocation.deadlineMs),
    'lambda-runtime-invoked-function-arn': invocation.functionArn,
    'lambda-runtime-trace-id': invocation.traceId,
  });
  response.end(invocation.payload);
}

/** What one environment's Runtime API holds: the runtime's waiting `next`, the invocation queued or in progress. */
class InvocationSlot {
  private waiting: http.ServerResponse | undefined;
  private queued: RuntimeInvocation | undefined;
  private current: { requestId: string; settle: (answer: RuntimeAnswer) => void } | undefined;

  /** The runtime asks for the next event: now if one is queued, else when `invoke` brings one. */
  next(response: http.ServerResponse): void {
    if (!this.queued) {
      this.waiting = response;
      return;
    }
    deliver(response, this.queued);
    this.queued = undefined;
  }

  invoke(invocation: RuntimeInvocation): Promise<RuntimeAnswer> {
    return new Promise<RuntimeAnswer>((settle) => {
      if (this.current) throw new Error('an execution environment runs one invocation at a time');
      this.current = { requestId: invocation.requestId, settle };
      if (!this.waiting) {
        this.queued = invocation;
        return;
      }
      deliver(this.waiting, invocation);
      this.waiting = undefined;
    });
  }

  /** The runtime's answer for invocation `id`; false if that invocation is not in progress. */
  answer(id: string, result: RuntimeAnswer): boolean {
    if (!this.current || this.current.requestId !== id) return false;
    const { settle } = this.current;
    this.current = undefined;
    settle(result);
    return true;
  }
}

const INVOCATION_ANSWER = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/;

/** The runtime's answer from a `response` or `error` request body. */
function answerOf(kind: string, body: string, request: http.IncomingMessage): RuntimeAnswer {
  if (kind === 'error') return { ok: false, error: errorBody(body, request.headers['lambda-runtime-function-error-type']) };
  if (Buffer.byteLength(body) <= MAX_PAYLOAD_BYTES) return { ok: true, payload: body };
  const errorMessage = `Response payload size exceeded maximum allowed payload size (${MAX_PAYLOAD_BYTES} bytes).`;
  return { ok: false, error: { errorType: 'Function.ResponseSizeTooLarge', errorMessage } };
}

async function route(
  slot: InvocationSlot,
  events: RuntimeApiEvents,
  request: http.IncomingMessage,
  response: http.ServerResponse,
): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://runtime').pathname;
  if (request.method === 'GET' && path === `${BASE}/invocation/next`) {
    events.onNext();
    return slot.next(response);
  }
  const body = await readBody(request);
  if (request.method === 'POST' && path === `${BASE}/init/error`) {
    accepted(response);
    return events.onInitError(errorBody(body, request.headers['lambda-runtime-function-error-type']));
  }
  const match = INVOCATION_ANSWER.exec(path);
  if (request.method !== 'POST' || !match) return notFound(response, `${request.method} ${path} is not part of the Runtime API`);
  const id = decodeURIComponent(match[1]!);
  const result = answerOf(match[2]!, body, request);
  if (!slot.answer(id, result)) return notFound(response, `no invocation ${id} in progress`);
  accepted(response);
}

export async function startRuntimeApi(events: RuntimeApiEvents): Promise<RuntimeApi> {
  const slot = new InvocationSlot();
  const server = http.createServer((request, response) => {
    route(slot, events, request, response).catch(() => response.destroy());
  });
  // The runtime keeps one connection open and a `next` may wait for minutes: no server-side timeouts.
  server.keepAliveTimeout = 0;
  server.requestTimeout = 0;
  server.headersTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    invoke: (invocation) => slot.invoke(invocation),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

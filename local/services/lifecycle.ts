/**
 * Starting and stopping a set of local services (PostgreSQL, Kafka, the emulator, the gateway,
 * ...) so that a failure anywhere leaves nothing running: every service that did start is
 * registered for stopping, in reverse order, even when a sibling started in parallel failed.
 */

interface Started<T> {
  readonly value: T;
  stop(): Promise<void>;
}

export interface LocalService<T> {
  /** Shown in messages: "PostgreSQL", "Kafka", "API gateway". */
  readonly name: string;
  start(): Promise<Started<T>>;
}

/** A service that is not started because something outside provides it (e.g. DATABASE_URL). */
export function provided<T>(name: string, value: T): LocalService<T> {
  return { name, start: async () => ({ value, stop: async () => undefined }) };
}

type Values<S extends readonly LocalService<unknown>[]> = { [K in keyof S]: S[K] extends LocalService<infer T> ? T : never };

export class Lifecycle {
  private readonly running: Array<{ name: string; stop: () => Promise<void> }> = [];
  private stopping: Promise<void> | undefined;

  constructor(private readonly onStopError: (name: string, error: unknown) => void) {}

  /** Registers something already running, to be stopped with the rest. */
  register(name: string, stop: () => Promise<void>): void {
    this.running.push({ name, stop });
  }

  /** Starts the services in parallel; throws the first failure after all have settled. */
  async startTogether<const S extends readonly LocalService<unknown>[]>(services: S): Promise<Values<S>> {
    const outcomes = await Promise.allSettled(services.map((service) => service.start()));
    outcomes.forEach((outcome, index) => {
      if (outcome.status === 'fulfilled') this.register(services[index]!.name, () => outcome.value.stop());
    });
    const failed = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (failed) throw failed.reason;
    return outcomes.map((outcome) => (outcome as PromiseFulfilledResult<Started<unknown>>).value.value) as Values<S>;
  }

  /** Stops everything started so far, last started first; the same promise on every call. */
  stopAll(): Promise<void> {
    this.stopping ??= (async () => {
      for (const { name, stop } of this.running.reverse()) {
        await stop().catch((error: unknown) => this.onStopError(name, error));
      }
    })();
    return this.stopping;
  }
}

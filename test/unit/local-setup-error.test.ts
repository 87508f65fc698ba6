import { describe, expect, it } from 'vitest';
import { LocalSetupError, portFromEnv, renderSetupError, telltaleLine } from '../../local/services/setup-error.js';

describe('renderSetupError', () => {
  it('renders a LocalSetupError as one line with the part, the cause and the fix', () => {
    const error = new LocalSetupError('Kafka', 'port 9092 on 127.0.0.1 is taken\n(details)', 'set KAFKA_PORT.');
    expect(renderSetupError(error)).toBe('Kafka could not start: port 9092 on 127.0.0.1 is taken. Fix: set KAFKA_PORT');
  });

  it('says "stopped" for a part that stopped while running', () => {
    const error = new LocalSetupError('LocalStack', 'its runtime stopped (Killed)', 'start again', 'stopped');
    expect(renderSetupError(error)).toBe('LocalStack stopped: its runtime stopped (Killed). Fix: start again');
  });

  it('renders any other error by the first line of its message, without a stack', () => {
    const error = new Error('connect ECONNREFUSED 127.0.0.1:1\n    at TCPConnectWrap');
    expect(renderSetupError(error, 'npm start')).toBe('npm start failed: connect ECONNREFUSED 127.0.0.1:1');
  });
});

describe('telltaleLine', () => {
  it('picks the last error line of a tool output', () => {
    const output =
      'LOG:  starting PostgreSQL 18\nFATAL:  could not bind IPv4 address "127.0.0.1": Address already in use\nLOG:  database system is shut down\n';
    expect(telltaleLine(output)).toBe('FATAL:  could not bind IPv4 address "127.0.0.1": Address already in use');
  });

  it('picks the first error line of a tool that prints its cause first (Maven)', () => {
    const output =
      "[ERROR] No plugin found for prefix 'dependency' in the current project\n[ERROR] \n[ERROR] [Help 1] http://cwiki.apache.org/confluence/display/MAVEN/NoPluginFoundForPrefixException\n";
    expect(telltaleLine(output, 'first')).toBe("[ERROR] No plugin found for prefix 'dependency' in the current project");
  });

  it('falls back to the last line when no line looks like an error', () => {
    expect(telltaleLine('one\ntwo\n\n')).toBe('two');
    expect(telltaleLine('')).toBe('(no output)');
  });
});

describe('portFromEnv', () => {
  it('reads a port, or the default when unset or empty', () => {
    expect(portFromEnv('PORT', 3000, 'API gateway', { PORT: '8080' })).toBe(8080);
    expect(portFromEnv('PORT', 3000, 'API gateway', { PORT: '' })).toBe(3000);
    expect(portFromEnv('PORT', 3000, 'API gateway', {})).toBe(3000);
  });

  it('names the variable when it is not a port', () => {
    expect(() => portFromEnv('KAFKA_PORT', 9092, 'Kafka', { KAFKA_PORT: '70000' })).toThrow(
      new LocalSetupError(
        'Kafka',
        'KAFKA_PORT="70000" is not a port number',
        'set KAFKA_PORT to a number from 1 to 65535 (0 picks a free port), or unset it',
      ),
    );
  });
});

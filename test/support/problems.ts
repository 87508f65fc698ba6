import { type ErrorCode, PROBLEM_TITLES, problemType } from '../../shared/http/errors.js';
import type { Violation } from '../../shared/order/validate.js';

/**
 * The RFC 9457 problem details body the functions send for an error (shared/http/errors.ts), to
 * compare a response body with exactly: type and title follow from the code.
 */
export function problem(status: number, code: ErrorCode, detail: string, extra: { instance?: string; violations?: Violation[] } = {}) {
  return {
    type: problemType(code),
    title: PROBLEM_TITLES[code],
    status,
    detail,
    ...(extra.instance === undefined ? {} : { instance: extra.instance }),
    code,
    ...(extra.violations ? { violations: extra.violations } : {}),
  };
}

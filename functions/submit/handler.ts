// The submit function's entry point: one instance per container, wired from the environment
// (read on the first request). The instance itself: submit-handler.ts.
import { createSubmitHandler, readSubmitConfig, submitDependencies } from './submit-handler.js';

export const handler = createSubmitHandler(() => readSubmitConfig(), submitDependencies());

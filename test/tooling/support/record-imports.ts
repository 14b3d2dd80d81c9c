/**
 * Preloaded into a Berth process (NODE_OPTIONS=--import=…) by start-cost.test.ts: registers
 * record-imports-hooks.js, which appends every module URL the process resolves to the file
 * named by BERTH_TEST_IMPORT_LOG, so a test can say what a start or a command loaded.
 */
import { register } from 'node:module';

register(new URL('./record-imports-hooks.js', import.meta.url));

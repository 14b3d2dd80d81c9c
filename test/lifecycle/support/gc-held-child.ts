// `berth gc` exactly as the command runs it, except that it stops for good at the checkpoint
// named by BERTH_TEST_HOLD_AT (the first time that step has digests) and says so on stdout
// ("held <pid> <count>"), so a test can kill -9 it mid-collection at a known step.
import type { CheckpointName } from '../../../src/core/checkpoint.js';
import { runGc } from '../../../src/cli/gc.js';

const holdAt = process.env.BERTH_TEST_HOLD_AT as CheckpointName | undefined;
const code = await runGc(process.argv.slice(2), {
  checkpoint: async (name, digests) => {
    if (name !== holdAt || digests.length === 0) return;
    process.stdout.write(`held ${process.pid} ${digests.length}\n`);
    // A referenced timer keeps the process (and its lease heartbeat) alive until it is killed.
    setInterval(() => undefined, 60_000);
    await new Promise<never>(() => undefined);
  },
});
process.exit(code);

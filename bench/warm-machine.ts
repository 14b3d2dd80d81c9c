/** Runs touch-memory.js (why: its header) in a process of its own, so exiting frees it all. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./touch-memory.js', import.meta.url));

export function touchFreeMemory(log: (message: string) => void): Promise<void> {
  const started = performance.now();
  return new Promise((resolve) => {
    // Node's heap limit does not apply: the pieces are outside it.
    execFile(process.execPath, [script], { timeout: 300_000 }, (error, stdout) => {
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      // A machine that cannot spare the memory still gets its table, only noisier.
      if (error) log(`touching free memory failed after ${seconds} s (${error.message.split('\n')[0]}); going on`);
      else log(`touched ${stdout.trim()} GiB of free memory once, in ${seconds} s`);
      resolve();
    });
  });
}

// What this test process holds open, read from /proc: for tests that a blob send leaves no
// descriptor behind, whichever path (pooled or sendfile) carried it.
import { readdirSync, readlinkSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** File descriptors of this process open on a committed blob of `root`. */
export function openBlobFds(root: string): string[] {
  const found: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith(`${root}/blobs/`)) found.push(target);
    } catch {
      // closed between the listing and the readlink
    }
  }
  return found;
}

/** Polls `condition` every 20 ms for up to `ms`; its last answer. */
export async function until(condition: () => boolean, ms = 5000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await sleep(20);
  }
  return condition();
}

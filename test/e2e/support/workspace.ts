/**
 * One temp directory per e2e test file holding every client's config and state, the test CA
 * and the generated images; removed at the end, after checking nothing escaped it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { guardHostPaths } from './host-leftovers.js';
import { generateImages, type TestImages } from './image-layouts.js';
import { createTestCa, type TestCa } from './tls-ca.js';

export interface Workspace {
  dir: string;
  ca: TestCa;
  images: TestImages;
  /** A fresh subdirectory, e.g. for one client's state against one registry. */
  subdir(name: string): string;
  cleanup(): Promise<void>;
}

export async function createWorkspace(label: string): Promise<Workspace> {
  const guard = guardHostPaths();
  // Short base name: unix sockets (containerd, dockerd) must fit in 108 bytes.
  const dir = await mkdtemp(join(tmpdir(), `e2e-${label}-`));
  const ca = await createTestCa(join(dir, 'ca'));
  const images = await generateImages(join(dir, 'images'));
  let counter = 0;
  return {
    dir,
    ca,
    images,
    subdir: (name) => join(dir, `${name}-${++counter}`),
    async cleanup() {
      if (!process.env.E2E_KEEP) await rm(dir, { recursive: true, force: true });
      await guard.cleanup();
    },
  };
}

/**
 * Puts images into the registry under test the way a user does, with skopeo, from the locally
 * generated OCI layouts the e2e suite uses (nothing is downloaded).
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateImages, type TestImage, type TestImages } from '../../e2e/support/image-layouts.js';
import { run } from '../../e2e/support/run.js';
import type { Credentials } from '../../e2e/support/berth-accounts.js';
import { admin, type UiServer } from './server.js';

let images: Promise<TestImages> | undefined;

/** The e2e images (single, index, artifact, signature, helm), generated once per test file. */
export function testImages(): Promise<TestImages> {
  images ??= mkdtemp(join(tmpdir(), 'berth-ui-images-')).then(generateImages);
  return images;
}

/**
 * Copies one test image to `repository:tag` (e.g. `library/app:1.0`); the project must exist.
 * Pushes as the admin unless `as` names someone else. Returns the image, whose `top.digest` is
 * what the UI should show.
 */
export async function pushImage(
  server: UiServer,
  image: keyof TestImages,
  reference: string,
  as: Credentials = admin,
): Promise<TestImage> {
  const chosen = (await testImages())[image];
  await run(
    'skopeo',
    [
      '--insecure-policy',
      'copy',
      '--all',
      '--preserve-digests',
      '--dest-tls-verify=false',
      '--dest-creds',
      `${as.username}:${as.password}`,
      `oci:${chosen.dir}:${chosen.ref}`,
      `docker://${server.host}/${reference}`,
    ],
    { timeoutMs: 120_000 },
  );
  return chosen;
}

/**
 * An image made to attack the web UI: its description annotation, a config label, a history
 * line and an annotation carry HTML and script that a careless page would run. The browse
 * tests push it and check that every string shows as literal text.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonBytes, mediaTypes, OciLayoutWriter } from '../../e2e/support/oci-layout.js';
import { tar } from '../../e2e/support/tar.js';
import { run } from '../../e2e/support/run.js';
import { admin, type UiServer } from './server.js';

export const hostileDescription = 'Evil <img src=x onerror=alert(1)> image';
export const hostileLabel = '<script>alert(2)</script>';
export const hostileHistory = 'RUN echo "<img src=x onerror=alert(3)>"';

export async function pushHostileImage(server: UiServer, reference: string): Promise<void> {
  const dir = join(await mkdtemp(join(tmpdir(), 'berth-ui-hostile-')), 'layout');
  const layout = new OciLayoutWriter(dir);
  const raw = tar([{ path: 'evil.txt', content: '<script>alert(4)</script>\n' }]);
  const layer = await layout.addBlob(mediaTypes.ociLayerGzip, gzipSync(raw));
  const diffId = `sha256:${createHash('sha256').update(raw).digest('hex')}`;
  const config = await layout.addBlob(
    mediaTypes.ociConfig,
    jsonBytes({
      created: '2024-02-01T00:00:00Z',
      architecture: 'amd64',
      os: 'linux',
      config: { Env: [`EVIL=${hostileLabel}`], Cmd: ['/bin/sh', '-c', hostileHistory], Labels: { 'org.example.evil': hostileLabel } },
      rootfs: { type: 'layers', diff_ids: [diffId] },
      history: [{ created: '2024-02-01T00:00:00Z', created_by: hostileHistory }],
    }),
  );
  const manifest = jsonBytes({
    schemaVersion: 2,
    mediaType: mediaTypes.ociManifest,
    config,
    layers: [layer],
    annotations: { 'org.opencontainers.image.description': hostileDescription },
  });
  const descriptor = await layout.addBlob(mediaTypes.ociManifest, manifest);
  layout.tag(descriptor, 'evil');
  await layout.finish();
  await run(
    'skopeo',
    ['--insecure-policy', 'copy', '--preserve-digests', '--dest-tls-verify=false', '--dest-creds', `${admin.username}:${admin.password}`, `oci:${dir}:evil`, `docker://${server.host}/${reference}`],
    { timeoutMs: 120_000 },
  );
}

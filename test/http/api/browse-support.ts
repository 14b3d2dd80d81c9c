/** Pushing images with a chosen config (env, labels, history) and layers, for the UI read API tests. */
import { OCI_CONFIG, OCI_LAYER, OCI_MANIFEST, descriptorOf, imageManifest, randomBlob, type Descriptor } from '../support/content.js';
import type { Client } from '../support/http-client.js';
import { pushBlob, pushManifest, type PushedManifest } from '../support/push.js';

export interface Built extends PushedManifest {
  config: Descriptor;
  layers: Descriptor[];
  size: number;
}

/** An image whose config is `config` (JSON, or raw bytes for malformed ones) over `layers`. */
export async function pushBuilt(
  c: Client,
  repo: string,
  reference: string,
  options: { config?: unknown; rawConfig?: Buffer; layers?: Buffer[]; annotations?: Record<string, string>; subject?: Descriptor; artifactType?: string; configType?: string } = {},
): Promise<Built> {
  const configBytes =
    options.rawConfig ?? Buffer.from(JSON.stringify(options.config ?? { architecture: 'amd64', os: 'linux', nonce: randomBlob(8).toString('hex') }));
  const config = descriptorOf(options.configType ?? OCI_CONFIG, configBytes);
  await pushBlob(c, repo, configBytes);
  const layers: Descriptor[] = [];
  for (const bytes of options.layers ?? [randomBlob(300)]) {
    await pushBlob(c, repo, bytes);
    layers.push(descriptorOf(OCI_LAYER, bytes));
  }
  const body = imageManifest({ config, layers, annotations: options.annotations, subject: options.subject, artifactType: options.artifactType });
  const pushed = await pushManifest(c, repo, reference, body, OCI_MANIFEST);
  return { ...pushed, config, layers, size: body.length + config.size + layers.reduce((s, l) => s + l.size, 0) };
}

/**
 * A `docker save` archive built locally, so dockerd gets an image with `docker load` and no
 * network. Layers are stored uncompressed, as `docker save` does; the image ID dockerd reports
 * is the digest of the config bytes, which survives push and pull unchanged.
 */
import { writeFile } from 'node:fs/promises';
import { jsonBytes, sha256 } from './oci-layout.js';
import { hostPlatform } from './image-layouts.js';
import { tar, type TarEntry } from './tar.js';

export interface DockerArchive {
  path: string;
  /** Tag recorded in manifest.json; `docker load` applies it. */
  repoTag: string;
  /** sha256 of the config: the image ID. */
  imageId: string;
  diffIds: string[];
}

/** `layers` (uncompressed tars) replaces the two small default layers, e.g. for the bench. */
export async function writeDockerArchive(path: string, repoTag: string, layers: Buffer[] = defaultLayers()): Promise<DockerArchive> {
  const diffIds = layers.map((layer) => sha256(layer));
  const config = jsonBytes({
    architecture: hostPlatform().architecture,
    os: 'linux',
    created: '2024-01-01T00:00:00Z',
    config: { Env: ['PATH=/usr/bin:/bin'], Cmd: ['/hello'] },
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: diffIds.map((_, i) => ({ created: '2024-01-01T00:00:00Z', created_by: `docker-archive layer ${i}` })),
  });
  const imageId = sha256(config);
  const configName = `${imageId.slice('sha256:'.length)}.json`;
  const layerNames = diffIds.map((id) => `${id.slice('sha256:'.length)}/layer.tar`);
  const entries: TarEntry[] = [{ path: configName, content: config }];
  layers.forEach((layer, i) => {
    entries.push({ path: layerNames[i].split('/')[0] }, { path: layerNames[i], content: layer });
  });
  entries.push({ path: 'manifest.json', content: jsonBytes([{ Config: configName, RepoTags: [repoTag], Layers: layerNames }]) });
  await writeFile(path, tar(entries));
  return { path, repoTag, imageId, diffIds };
}

function defaultLayers(): Buffer[] {
  return [
    tar([{ path: 'docker' }, { path: 'docker/loaded.txt', content: 'loaded into dockerd from a generated archive\n' }]),
    tar([{ path: 'hello', content: '#!/bin/sh\necho hello from a docker-loaded layer\n', mode: 0o755 }]),
  ];
}

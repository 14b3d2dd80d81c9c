/**
 * Opens the registry:2 tree `berth import registry2` reads: a directory, or an S3 bucket given
 * as `s3://BUCKET[/ROOTDIRECTORY]` (registry:2's storage.s3 bucket and rootdirectory). Keys
 * come from the AWS SDK's usual places (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, profiles);
 * with an endpoint (registry:2's regionendpoint) requests use path-style addressing, as
 * registry:2 does, which S3-compatible servers expect. The S3 modules load only for an s3:// source.
 */
import type { Registry2Tree } from '../ports/registry2-tree.js';

export interface S3TreeOptions {
  endpoint?: string;
  region?: string;
}

/** Undefined when `source` is not an s3:// URL. */
export async function openS3Registry2Tree(source: string, options: S3TreeOptions): Promise<Registry2Tree | undefined> {
  const match = /^s3:\/\/([^/]+)(\/.*)?$/.exec(source);
  if (!match) return undefined;
  const [{ S3Registry2Tree }, { createS3Client }] = await Promise.all([
    import('../adapters/blob/s3-registry2-tree.js'),
    import('../adapters/blob/s3-client.js'),
  ]);
  const client = createS3Client({
    region: options.region ?? 'us-east-1',
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint, forcePathStyle: true }),
  });
  return new S3Registry2Tree(client, match[1]!, match[2] ?? '');
}

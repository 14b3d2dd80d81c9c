import { after, before } from 'node:test';
import { ListMultipartUploadsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { useRgw, type Rgw } from '../../../test/support/ceph-rgw.js';
import { blobStoreConformance } from '../../ports/testing/blob-store-suite.js';
import { S3BlobStore } from './s3-blob-store.js';

let rgw: Rgw | undefined;
before(async () => {
  rgw = await useRgw();
});
after(async () => {
  await rgw?.cleanup();
});

for (const rootDirectory of ['', '/berth/registry']) {
  blobStoreConformance(`s3 (Ceph RGW, rootdirectory ${JSON.stringify(rootDirectory)})`, async () => {
    if (rgw === undefined) throw new Error('RGW did not start');
    const bucket = await rgw.bucket('conformance');
    // The smallest part S3 allows, so the suite's 8 MiB upload spans a part and a tail.
    const store = new S3BlobStore({ ...rgw.settings, bucket, rootDirectory, partSize: 5 * 1024 * 1024 });
    return {
      store,
      // Every object and every unfinished multipart upload in the bucket.
      leftovers: async () => {
        const objects = await store.client.send(new ListObjectsV2Command({ Bucket: bucket }));
        const uploads = await store.client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
        return [
          ...(objects.Contents ?? []).map((item) => item.Key ?? '?'),
          ...(uploads.Uploads ?? []).map((upload) => `multipart ${upload.Key ?? '?'} ${upload.UploadId ?? '?'}`),
        ];
      },
      teardown: async () => {
        await store.close();
      },
    };
  });
}

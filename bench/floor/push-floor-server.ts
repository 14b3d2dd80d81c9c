/**
 * The least a Node.js registry can do for a monolithic push (bench/floor/push-floor.ts starts
 * it): answer the POST with a Location, stream the PUT body into a new file while hashing it,
 * check the digest, rename the file into place. No database, no access control, no session,
 * and an fsync only with FLOOR_FSYNC=1. Whatever this reaches on a machine, with the bench's
 * own client, no registry written in Node.js can beat there; it is a measuring stick, not a
 * registry (no limits, no names checked), and listens on loopback only. FLOOR_BODY=discard
 * reads the PUT body and drops it (the loopback limit for this client and node:http);
 * FLOOR_BODY=hash only hashes it (that, plus SHA-256, which every registry must do).
 *
 *   node dist/bench/floor/push-floor-server.js ROOT PORT
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, rename } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';

const [root, port] = [process.argv[2], Number(process.argv[3])];
if (root === undefined || !Number.isInteger(port)) throw new Error('usage: push-floor-server ROOT PORT');
const fsync = process.env.FLOOR_FSYNC === '1';
const body = process.env.FLOOR_BODY ?? 'file';
/** Bytes gathered per write, as Berth's filesystem store does. */
const BATCH = 1024 * 1024;
/** A datasync started each time the file passes another 16 MiB, as Berth's store does (FLOOR_WRITEBACK=0: none). */
const WRITE_BACK = (process.env.FLOOR_WRITEBACK === '0' ? 0 : 16) * 1024 * 1024;

await mkdir(join(root, 'uploads'), { recursive: true });
await mkdir(join(root, 'blobs'), { recursive: true });

async function put(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://floor');
  const id = url.pathname.split('/').pop() ?? '';
  const digest = url.searchParams.get('digest') ?? '';
  if (!/^[0-9a-f-]{36}$/.test(id) || !/^sha256:[0-9a-f]{64}$/.test(digest)) return answer(res, 400);
  const hash = createHash('sha256');
  if (body === 'discard' || body === 'hash') {
    for await (const chunk of req as AsyncIterable<Buffer>) if (body === 'hash') hash.update(chunk);
    if (body === 'hash' && `sha256:${hash.digest('hex')}` !== digest) return answer(res, 400);
    return answer(res, 201, { location: `/v2/floor/blobs/${digest}` });
  }
  const staged = join(root!, 'uploads', id);
  const file = await open(staged, 'w');
  try {
    let batch: Buffer[] = [];
    let batched = 0;
    let written = 0;
    let syncing: Promise<void> | undefined;
    const write = async (): Promise<void> => {
      const chunks = batch;
      batch = [];
      batched = 0;
      await file.writev(chunks);
      const before = written;
      for (const chunk of chunks) written += chunk.length;
      if (WRITE_BACK > 0 && syncing === undefined && Math.floor(written / WRITE_BACK) !== Math.floor(before / WRITE_BACK)) {
        syncing = file.datasync().finally(() => (syncing = undefined));
      }
    };
    for await (const chunk of req as AsyncIterable<Buffer>) {
      hash.update(chunk);
      batch.push(chunk);
      batched += chunk.length;
      if (batched >= BATCH) await write();
    }
    if (batched > 0) await write();
    await syncing;
    if (fsync) await file.sync();
  } finally {
    await file.close();
  }
  if (`sha256:${hash.digest('hex')}` !== digest) return answer(res, 400);
  await rename(staged, join(root!, 'blobs', digest.slice(7)));
  answer(res, 201, { location: `/v2/floor/blobs/${digest}` });
}

function answer(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-length': 0, ...headers });
  res.end();
}

createServer((req, res) => {
  if (req.method === 'POST') {
    req.resume();
    return answer(res, 202, { location: `/v2/floor/blobs/uploads/${randomUUID()}` });
  }
  if (req.method === 'PUT') {
    put(req, res).catch(() => answer(res, 500));
    return;
  }
  req.resume();
  answer(res, 404);
}).listen(port, '127.0.0.1', () => process.stdout.write('listening\n'));

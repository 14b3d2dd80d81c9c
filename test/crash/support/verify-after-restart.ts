/**
 * What a restarted registry owes its clients, checked over HTTP: every acknowledged push and
 * blob served byte-exact, listings that include them, and sessions that were open at the kill
 * either finishable or provably finished. Each check collects problems instead of stopping at
 * the first, so one failing run shows the whole extent of a bug.
 */
import { headerValue, octetStream, uploadedSize, withQuery, type RegistryClient, type Reply, type RequestOptions } from './registry-client.js';
import { sha256, type Ledger, type OpenUpload } from './image-pusher.js';

const manifestAccept = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ');

/** Runs `work` over `items`, at most `limit` at once (enough to overlap I/O, not to flood). */
async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next];
      next += 1;
      await work(item);
    }
  });
  await Promise.all(lanes);
}

function describe(status: number, body: Buffer): string {
  return `${status} ${body.toString('utf8').slice(0, 300)}`;
}

export async function verifyLedger(client: RegistryClient, ledger: Ledger): Promise<string[]> {
  const problems: string[] = [];
  await eachLimited(ledger.pushes, 8, async (push) => {
    for (const reference of [push.tag, push.digest]) {
      const path = `/v2/${push.repository}/manifests/${reference}`;
      const reply = await client.request('GET', path, { headers: { accept: manifestAccept } });
      if (reply.status !== 200) problems.push(`completed push lost: GET ${path} -> ${describe(reply.status, reply.body)}`);
      else if (!reply.body.equals(push.manifest)) problems.push(`GET ${path}: manifest bytes differ from those pushed`);
      else if (headerValue(reply, 'docker-content-digest') !== push.digest) problems.push(`GET ${path}: wrong Docker-Content-Digest`);
      else if (headerValue(reply, 'content-type') !== push.mediaType) problems.push(`GET ${path}: content type ${headerValue(reply, 'content-type')}`);
    }
  });
  await eachLimited(ledger.promisedBlobs(), 8, async (blob) => {
    const path = `/v2/${blob.repository}/blobs/${blob.digest}`;
    const reply = await client.request('GET', path);
    if (reply.status !== 200) {
      problems.push(`acknowledged blob lost: GET ${path} -> ${describe(reply.status, reply.body)}`);
      return;
    }
    const length = Number(headerValue(reply, 'content-length'));
    if (reply.body.length !== blob.size || length !== blob.size) {
      problems.push(`GET ${path}: ${reply.body.length} bytes (Content-Length ${length}), pushed ${blob.size}`);
    } else if (sha256(reply.body) !== blob.digest) {
      problems.push(`GET ${path}: bytes hash to ${sha256(reply.body)}`);
    }
  });
  for (const repository of new Set(ledger.pushes.map((p) => p.repository))) {
    const reply = await client.request('GET', `/v2/${repository}/tags/list`);
    const tags = reply.status === 200 ? (JSON.parse(reply.body.toString('utf8')) as { tags: string[] | null }).tags ?? [] : [];
    const listed = new Set(tags);
    const missing = ledger.pushes.filter((p) => p.repository === repository && !listed.has(p.tag)).map((p) => p.tag);
    if (reply.status !== 200 || missing.length > 0) {
      problems.push(`tags/list of ${repository} (${reply.status}) lacks completed tags: ${missing.slice(0, 10).join(' ')}`);
    }
  }
  const catalog = await client.request('GET', '/v2/_catalog?n=10000');
  const repositories = new Set(
    catalog.status === 200 ? (JSON.parse(catalog.body.toString('utf8')) as { repositories: string[] }).repositories : [],
  );
  for (const repository of new Set(ledger.pushes.map((p) => p.repository))) {
    if (!repositories.has(repository)) problems.push(`catalog (${catalog.status}) lacks ${repository}`);
  }
  return problems;
}

export interface ResumeReport {
  /** Sessions continued to a 201 after the restart. */
  finished: number;
  /** Sessions gone or unfinishable because their completing PUT had already been received. */
  completedBeforeKill: number;
  problems: string[];
}

/**
 * Tries to finish every session that was open at the kill, the way a client resumes: ask for
 * the status, send the rest from the registry's offset (re-asking after a 416, which is how
 * the registry reports unacknowledged bytes it adopted), then PUT. A session whose last
 * request was a PATCH (or nothing) must still exist with every acknowledged byte; one whose
 * completing PUT was in flight may have completed, so its disappearance is allowed.
 */
export async function resumeOpenUploads(client: RegistryClient, ledger: Ledger): Promise<ResumeReport> {
  const report: ResumeReport = { finished: 0, completedBeforeKill: 0, problems: [] };
  const uploads = [...ledger.open];
  ledger.open.clear();
  await eachLimited(uploads, 8, async (upload) => {
    // A hung or reset connection is a finding about this session, not a reason to stop looking.
    const outcome = await resumeOne(client, upload).catch((error: unknown) => (error as Error).message);
    if (outcome === 'finished') {
      report.finished += 1;
      ledger.recordBlob({ repository: upload.repository, digest: upload.digest, size: upload.bytes.length });
    } else if (outcome === 'completed-before-kill') {
      report.completedBeforeKill += 1;
    } else {
      report.problems.push(outcome);
    }
  });
  return report;
}

async function resumeOne(client: RegistryClient, upload: OpenUpload): Promise<string> {
  const where = `${upload.location} (${upload.bytes.length} bytes, ${upload.acknowledged} acknowledged, in flight: ${upload.inFlight ?? 'nothing'})`;
  // The requests so far, so a failure says which exchange led to it.
  const trail: string[] = [];
  const send = async (method: string, path: string, options?: RequestOptions): Promise<Reply> => {
    const range = options?.headers?.['content-range'];
    const label = `${method}${range === undefined ? '' : ` ${range}`}`;
    try {
      const reply = await client.request(method, path, options);
      trail.push(`${label} -> ${reply.status}${reply.headers.range === undefined ? '' : ` Range ${headerValue(reply, 'range')}`}`);
      return reply;
    } catch (error) {
      throw new Error(`${where}: ${[...trail, `${label} -> ${(error as Error).message}`].join('; ')}`);
    }
  };
  const fail = (what: string, reply?: Reply) =>
    `${what}: ${where}: ${trail.join('; ')}${reply ? ` — ${describe(reply.status, reply.body)}` : ''}`;
  const mayHaveCompleted = upload.inFlight === 'put';
  let offset: number | undefined;
  for (let attempt = 0; attempt < 4; attempt += 1) {
    const status = await send('GET', upload.location);
    if (status.status === 404 && mayHaveCompleted) return 'completed-before-kill';
    if (status.status !== 204) return fail('upload session lost', status);
    offset = uploadedSize(status);
    if (offset < upload.acknowledged) return fail('acknowledged bytes lost');
    if (offset > upload.bytes.length) return fail('more bytes staged than were ever sent');
    if (offset === upload.bytes.length) break;
    const rest = await send('PATCH', upload.location, {
      headers: { ...octetStream, 'content-range': `${offset}-${upload.bytes.length - 1}` },
      body: upload.bytes.subarray(offset),
    });
    if (rest.status === 202) {
      offset = uploadedSize(rest);
      break;
    }
    // 416: the staging file holds bytes the session had not acknowledged; status now has them.
    if (rest.status !== 416) return fail('resuming PATCH refused', rest);
    offset = undefined;
  }
  if (offset !== upload.bytes.length) return fail('upload could not be brought to its full length');
  const put = await send('PUT', withQuery(upload.location, { digest: upload.digest }));
  if (put.status === 201) return 'finished';
  // The blob was committed but the session not yet closed when the registry died: the client's
  // retry must be told "unknown" (then it pushes afresh), never a 500.
  const code = put.body.toString('utf8').includes('BLOB_UPLOAD_UNKNOWN');
  if (put.status === 404 && code && mayHaveCompleted) return 'completed-before-kill';
  return fail('completing PUT refused', put);
}

/**
 * Every staging file left after the restart must belong to a live session (some repository
 * answers its status) — anything else is a temporary leftover the start-up sweep missed.
 */
export async function checkStaging(client: RegistryClient, names: readonly string[], repositories: readonly string[]): Promise<string[]> {
  const problems: string[] = [];
  await eachLimited(names, 8, async (name) => {
    for (const repository of repositories) {
      const reply = await client.request('GET', `/v2/${repository}/blobs/uploads/${name}`);
      if (reply.status === 204) return;
      if (reply.status !== 404) {
        problems.push(`GET upload ${name} in ${repository} -> ${describe(reply.status, reply.body)}`);
        return;
      }
    }
    problems.push(`staging file uploads/${name} survived the restart without a session in any repository`);
  });
  return problems;
}

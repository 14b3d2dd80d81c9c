/**
 * registry:2 notifications: Berth and Distribution 2.8 (Debian's docker-registry) are given the
 * same endpoint config, the same actions are done against both with real clients (skopeo push
 * and pull, HEAD of a blob, an API delete), and the events each sends are compared field by
 * field: same keys, same JSON types, same values wherever they are deterministic.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startEventListener, type EventListener } from '../support/event-listener.js';
import { startBerth, startDistribution, type RegistryProcess } from '../support/registry-process.js';
import { containersTools, type ContainersTools } from './support/containers-tools.js';
import type { Target } from './support/registry-under-test.js';
import { createWorkspace, type Workspace } from './support/workspace.js';

type Event = Record<string, any>;

const endpointYaml = (url: string) =>
  `- name: listener\n  url: ${url}\n  headers:\n    X-Test: [berth-e2e]\n  timeout: 2s\n  threshold: 3\n  backoff: 200ms\n`;

export function notificationsConfig(url: string): string {
  return `notifications:\n  events:\n    includereferences: true\n  endpoints:\n${endpointYaml(url).replace(/^/gm, '    ')}`;
}

/** The env form (one YAML value for the whole list, as Distribution reads it too). */
export function notificationsEnv(url: string): Record<string, string> {
  return { REGISTRY_NOTIFICATIONS_ENDPOINTS: endpointYaml(url), REGISTRY_NOTIFICATIONS_EVENTS_INCLUDEREFERENCES: 'true' };
}

function asTarget(registry: RegistryProcess): Target {
  return { kind: registry.kind, transport: 'plain', host: registry.host, url: registry.url, ca: undefined, process: registry } as Target;
}

/** The JSON shape of a value: keys (sorted) and the type of every leaf, recursively. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shape);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, shape((value as Record<string, unknown>)[k])]));
  }
  return value === null ? 'null' : typeof value;
}

/** What must be equal between the two registries: everything but ids, times, addresses and ports. */
function deterministic(event: Event, registry: RegistryProcess): unknown {
  const { target, request, actor, action } = event;
  return {
    action,
    target: { ...target, ...(target.url === undefined ? {} : { url: target.url.replace(registry.url, 'BASE') }) },
    request: { method: request.method, useragent: request.useragent, host: request.host.replace(registry.host, 'HOST') },
    actor,
  };
}

const byContent = (a: Event, b: Event) => JSON.stringify([a.action, a.target.digest, a.target.tag]).localeCompare(JSON.stringify([b.action, b.target.digest, b.target.tag]));

describe('registry:2 notifications', () => {
  let ws: Workspace;
  let listener: EventListener;
  const seen: Record<string, Record<string, Event[]>> = {};
  const registries: Record<string, RegistryProcess> = {};

  before(async () => {
    ws = await createWorkspace('notify');
    listener = await startEventListener();
  });
  after(async () => {
    for (const registry of Object.values(registries)) await registry.stop().catch(() => undefined);
    await listener?.stop();
    await ws?.cleanup();
  });

  for (const kind of ['distribution', 'berth'] as const) {
    it(`${kind}: records the events of a skopeo push, a skopeo pull, a blob HEAD and an API delete`, async () => {
      const path = `/${kind}`;
      const registry =
        kind === 'distribution'
          ? await startDistribution({ distributionConfig: notificationsConfig(`${listener.url}${path}`) })
          : await startBerth({ env: { ...notificationsEnv(`${listener.url}${path}`), REGISTRY_LOG_LEVEL: 'info' } });
      registries[kind] = registry;
      const tools: ContainersTools = await containersTools(ws.subdir(`tools-${kind}`), asTarget(registry));
      const { single } = ws.images;
      const phases: Record<string, Event[]> = {};
      let count = 0;
      const phase = async (name: string, expected: number, action: () => Promise<unknown>) => {
        await action();
        try {
          phases[name] = (await listener.waitFor(path, count + expected)).slice(count);
        } catch (error) {
          throw new Error(`${name}: ${(error as Error).message}; received ${JSON.stringify(listener.events(path).map((e) => [e.action, e.request.method, e.target.digest]))}\n${registry.output()}`);
        }
        count += expected;
      };
      // Three layers and a config, then the manifest.
      await phase('push', 5, () =>
        tools.skopeo(['copy', '--quiet', '--preserve-digests', `oci:${single.dir}:${single.ref}`, `docker://${registry.host}/e2e/app:v1`]),
      );
      await phase('pull', 5, () => tools.skopeo(['copy', '--quiet', `docker://${registry.host}/e2e/app:v1`, `oci:${join(tools.dir, 'pulled')}:v1`]));
      const layer = single.reachable.find((d) => d !== single.top.digest)!;
      await phase('head-blob', 1, () => fetch(`${registry.url}/v2/e2e/app/blobs/${layer}`, { method: 'HEAD' }));
      // Distribution also sends one delete per tag the manifest had (see below).
      await phase('delete', kind === 'distribution' ? 2 : 1, async () => {
        const response = await fetch(`${registry.url}/v2/e2e/app/manifests/${single.top.digest}`, { method: 'DELETE' });
        assert.equal(response.status, 202);
      });
      await listener.settle(1000);
      assert.equal(listener.events(path).length, count, 'no event beyond the expected ones');
      seen[kind] = phases;
      const request = listener.received.find((r) => r.path === path)!;
      assert.equal(request.headers['content-type'], 'application/vnd.docker.distribution.events.v1+json');
      assert.equal(request.headers['x-test'], 'berth-e2e');
      for (const r of listener.received.filter((x) => x.path === path)) assert.ok(r.body.events.length >= 1, 'no empty envelope');
    });
  }

  it('Berth sends what Distribution 2.8 sends: same keys, same types, same deterministic values', () => {
    assert.ok(seen.distribution && seen.berth, 'both registries ran');
    // What the comparison below covers, so that it cannot pass on two empty or trivial sets.
    const manifestPush = seen.berth.push.find((e) => e.target.tag === 'v1')!;
    assert.equal(manifestPush.target.digest, ws.images.single.top.digest);
    assert.equal(manifestPush.target.references.length, 4);
    assert.deepEqual(seen.berth['head-blob'].map((e) => [e.action, e.request.method]), [['pull', 'HEAD']]);
    assert.deepEqual(seen.berth.delete.map((e) => e.target), [{ digest: ws.images.single.top.digest, repository: 'e2e/app' }]);
    for (const name of Object.keys(seen.distribution)) {
      let theirs = [...seen.distribution[name]].sort(byContent);
      const ours = [...seen.berth[name]].sort(byContent);
      if (name === 'delete') {
        // Distribution follows a delete by digest with a delete event per removed tag; Berth
        // sends the manifest's delete only (docs/coming-from.md says so).
        assert.deepEqual(theirs.filter((e) => e.target.tag !== undefined).map((e) => e.target), [{ repository: 'e2e/app', tag: 'v1' }]);
        theirs = theirs.filter((e) => e.target.tag === undefined);
      }
      assert.equal(ours.length, theirs.length, `${name}: number of events`);
      assert.ok(ours.length > 0);
      for (let i = 0; i < ours.length; i++) {
        assert.deepEqual(shape(ours[i]), shape(theirs[i]), `${name} #${i}: keys and types`);
        assert.deepEqual(deterministic(ours[i], registries.berth), deterministic(theirs[i], registries.distribution), `${name} #${i}: values`);
        assert.match(ours[i].id, /^[0-9a-f-]{36}$/);
        assert.match(ours[i].timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$/);
        assert.match(ours[i].request.addr, /^127\.0\.0\.1:\d+$/);
        assert.equal(ours[i].source.addr.split(':').pop(), String(registries.berth.port));
      }
    }
  });
});

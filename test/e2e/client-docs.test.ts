/**
 * docs/clients.md, followed as written (issue 10, finding 7). Each block marked
 * `<!-- recipe: NAME (tested) -->` there is read from the document, its `localhost:5000` (and
 * CA path) replaced by the registry under test, and used exactly so: the registries.conf entry,
 * `--tls-verify=false`, `--cert-dir`, both hosts.toml forms and the kubectl pull secret of a
 * robot account. The first tests check the README's sentence on plain HTTP: Docker and
 * containerd talk it to a loopback registry unasked; podman does not (the old README said it did).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort, startBerth, type RegistryProcess } from '../support/registry-process.js';
import { berthAccounts } from './support/berth-accounts.js';
import { startContainerd, type Containerd } from './support/containerd-daemon.js';
import { containersTools, type ContainersTools } from './support/containers-tools.js';
import { startDockerd } from './support/docker-daemon.js';
import { registryKind, startTarget, type Target } from './support/registry-under-test.js';
import { run, type RunOptions } from './support/run.js';
import { createWorkspace, type Workspace } from './support/workspace.js';

const DOC = new URL('../../../docs/clients.md', import.meta.url);
const DOC_HOST = 'localhost:5000';
/** The doc's example of a registry that is not on loopback. */
const DOC_LAN_HOST = 'registry.lan:5000';
const DOC_IMAGE = 'team/app:1.0';

/** The fenced block after `<!-- recipe: NAME … -->` in docs/clients.md. */
async function recipe(name: string): Promise<string> {
  const text = await readFile(DOC, 'utf8');
  const match = new RegExp(`<!-- recipe: ${name}\\b[^>]*-->\\n\`\`\`\\w*\\n([\\s\\S]*?)\\n\`\`\``).exec(text);
  assert.ok(match, `docs/clients.md has no recipe "${name}"`);
  return match[1]!;
}

/** This machine's first non-loopback IPv4 address: clients treat loopback specially. */
function lanAddress(): string | undefined {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) if (address.family === 'IPv4' && !address.internal) return address.address;
  }
  return undefined;
}

const LAN = lanAddress();

/** A one-line command from the doc as argv, pointed at `host`. */
function commandOf(line: string, host: string): string[] {
  return line.replaceAll(DOC_HOST, host).split(/\s+/);
}

describe('docs/clients.md recipes with real clients', { skip: registryKind() === 'berth' ? false : 'the doc is about Berth' }, () => {
  let ws: Workspace;
  let plain: Target;
  let tls: Target;
  let containerd: Containerd;
  /** Berth on a non-loopback address, plain HTTP: where the insecure-registry recipes matter. */
  let lan: RegistryProcess | undefined;
  let lanHost: string;
  /** podman and buildah with a registries.conf that says nothing about the registry, and no test CA. */
  let bare: ContainersTools;
  let bareConf: string;
  const asBare = (extra: NodeJS.ProcessEnv = {}): RunOptions => ({
    allowFailure: true,
    env: { CONTAINERS_REGISTRIES_CONF: bareConf, SSL_CERT_FILE: undefined, ...extra },
  });

  before(async () => {
    ws = await createWorkspace('docs');
    plain = await startTarget('plain', ws.ca);
    tls = await startTarget('tls', ws.ca);
    const { single } = ws.images;
    for (const target of [plain, tls]) {
      const seed = await containersTools(ws.subdir('seed'), target);
      await seed.skopeo(['copy', '--quiet', '--preserve-digests', `oci:${single.dir}:${single.ref}`, `docker://${target.host}/${DOC_IMAGE}`]);
    }
    bare = await containersTools(ws.subdir('bare'), plain);
    bareConf = join(bare.dir, 'bare-registries.conf');
    await writeFile(bareConf, 'unqualified-search-registries = []\n');
    containerd = await startContainerd(ws.subdir('containerd'));
    if (LAN !== undefined) {
      // Every address, so the start-up check (on loopback) sees it too.
      const port = await freePort();
      lan = await startBerth({ port, env: { REGISTRY_HTTP_ADDR: `0.0.0.0:${port}` } });
      lanHost = `${LAN}:${port}`;
      await bare.skopeo(['copy', '--quiet', '--dest-tls-verify=false', `oci:${single.dir}:${single.ref}`, `docker://${lanHost}/${DOC_IMAGE}`]);
    }
  });
  after(async () => {
    await lan?.stop();
    await containerd?.stop();
    await plain?.stop();
    await tls?.stop();
    await ws?.cleanup();
  });

  it('podman without set-up does not talk plain HTTP, not even to localhost', async () => {
    const port = plain.process.port;
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`]) {
      const result = await bare.podman(['pull', '--quiet', `${host}/${DOC_IMAGE}`], asBare());
      assert.notEqual(result.code, 0, `podman pulled over plain HTTP from ${host} without set-up`);
      assert.match(result.stderr, /server gave HTTP response to HTTPS client/);
    }
  });

  it('Docker pulls from a plain-HTTP localhost registry with no set-up', async () => {
    const dockerd = await startDockerd(ws.subdir('dockerd'), { containerdAddress: containerd.address, caBundle: ws.ca.bundle });
    try {
      await dockerd.docker(['pull', '--quiet', `localhost:${plain.process.port}/${DOC_IMAGE}`]);
    } finally {
      await dockerd.stop();
    }
  });

  it('ctr talks plain HTTP to loopback unasked, so a TLS registry on localhost needs the hosts.toml', async () => {
    await containerd.ctr(['images', 'pull', `${plain.host}/${DOC_IMAGE}`]);
    const result = await containerd.ctr(['images', 'pull', `${tls.host}/${DOC_IMAGE}`], { allowFailure: true });
    assert.notEqual(result.code, 0, 'ctr pulled from the TLS registry without a hosts.toml');
  });

  const needsLan = () => (LAN !== undefined ? false : 'this machine has no non-loopback IPv4 address');

  it('registries.conf with `insecure = true`: podman and buildah pull and push over plain HTTP', { skip: needsLan() }, async () => {
    const conf = join(bare.dir, 'registries-recipe.conf');
    await writeFile(conf, `unqualified-search-registries = []\n\n${(await recipe('registries-conf-insecure')).replaceAll(DOC_HOST, lanHost)}\n`);
    const image = `${lanHost}/${DOC_IMAGE}`;
    const refused = await bare.podman(['pull', '--quiet', image], asBare());
    assert.match(refused.stderr, /server gave HTTP response to HTTPS client/, 'refused without the recipe');
    const options = asBare({ CONTAINERS_REGISTRIES_CONF: conf });
    for (const [step, args] of [
      ['podman pull', ['pull', '--quiet', image]],
      ['podman tag', ['tag', image, `${lanHost}/team/app:podman`]],
      ['podman push', ['push', '--quiet', `${lanHost}/team/app:podman`]],
    ] as const) {
      const result = await bare.podman(args, options);
      assert.equal(result.code, 0, `${step} with the registries.conf recipe: ${result.stderr}`);
    }
    const pushed = await bare.buildah(['push', '--quiet', image, `docker://${lanHost}/team/app:buildah`], options);
    assert.equal(pushed.code, 0, `buildah push with the registries.conf recipe: ${pushed.stderr}`);
  });

  it('`--tls-verify=false` works without any configuration', { skip: needsLan() }, async () => {
    const [file, ...args] = commandOf(await recipe('tls-verify-false'), lanHost);
    assert.equal(file, 'podman');
    const result = await bare.podman(args, asBare());
    assert.equal(result.code, 0, result.stderr);
  });

  it('`--cert-dir` with the CA trusts a TLS registry that is refused without it', async () => {
    const without = await bare.podman(['pull', '--quiet', `${tls.host}/${DOC_IMAGE}`], asBare());
    assert.notEqual(without.code, 0, 'the test CA must not be trusted by default');
    assert.match(without.stderr, /certificate|x509/i);
    const caDir = join(bare.dir, 'berth-ca');
    await mkdir(caDir, { recursive: true });
    await writeFile(join(caDir, 'ca.crt'), await readFile(ws.ca.caCert));
    const [file, ...args] = commandOf(await recipe('cert-dir'), tls.host);
    assert.equal(file, 'podman');
    const result = await bare.podman(args.map((a) => (a === './berth-ca' ? caDir : a)), asBare());
    assert.equal(result.code, 0, result.stderr);
  });

  /** A hosts dir holding the recipe for `target`, as /etc/containerd/certs.d would. */
  const hostsDir = async (name: string, host: string): Promise<string> => {
    const dir = join(ws.dir, `hosts-${name}`);
    await mkdir(join(dir, host), { recursive: true });
    const text = (await recipe(name)).replaceAll(`/etc/containerd/certs.d/${DOC_HOST}/ca.crt`, ws.ca.caCert).replaceAll(DOC_HOST, host);
    await writeFile(join(dir, host, 'hosts.toml'), `${text}\n`);
    return dir;
  };

  it('containerd: the plain-HTTP hosts.toml pulls and pushes without --plain-http', { skip: needsLan() }, async () => {
    const image = `${lanHost}/${DOC_IMAGE}`;
    const refused = await containerd.ctr(['images', 'pull', image], { allowFailure: true });
    assert.notEqual(refused.code, 0, 'ctr talked plain HTTP to a non-loopback address unasked');
    const dir = await hostsDir('hosts-toml-plain', lanHost);
    await containerd.ctr(['images', 'pull', '--hosts-dir', dir, image]);
    await containerd.ctr(['images', 'push', '--hosts-dir', dir, `${lanHost}/team/app:ctr`, image]);
  });

  it('Docker: `insecure-registries` in daemon.json lets dockerd use plain HTTP to a non-loopback host', { skip: needsLan() }, async () => {
    const image = `${lanHost}/${DOC_IMAGE}`;
    const settings = JSON.parse((await recipe('daemon-json-insecure')).replaceAll(DOC_LAN_HOST, lanHost)) as Record<string, unknown>;
    for (const [name, daemonJson, works] of [['without', {}, false], ['with', settings, true]] as const) {
      const dockerd = await startDockerd(ws.subdir(`dockerd-${name}`), { containerdAddress: containerd.address, caBundle: ws.ca.bundle, daemonJson });
      try {
        const result = await dockerd.docker(['pull', '--quiet', image], { allowFailure: true });
        assert.equal(result.code === 0, works, `docker pull ${name} the recipe: ${result.stderr}`);
      } finally {
        await dockerd.stop();
      }
    }
  });

  it('containerd: the TLS hosts.toml pulls from a registry signed by a private CA', async () => {
    const dir = await hostsDir('hosts-toml-tls', tls.host);
    await containerd.ctr(['images', 'pull', '--hosts-dir', dir, `${tls.host}/${DOC_IMAGE}`]);
  });

  describe('Kubernetes pull secret from a robot account', () => {
    let secured: Target;
    let robotSecret: string;
    before(async () => {
      const adminPassword = `pw-${randomBytes(12).toString('base64url')}`;
      secured = await startTarget('plain', ws.ca, { auth: 'builtin', env: { BERTH_ADMIN_PASSWORD: adminPassword } });
      const accounts = berthAccounts(secured.process.root);
      await accounts.project('team', 'private');
      robotSecret = (await accounts.robot('team', 'puller', ['pull'])).password;
      const seed = await containersTools(ws.subdir('seed-k8s'), secured);
      const { single } = ws.images;
      await seed.skopeo(['copy', '--quiet', '--dest-creds', `admin:${adminPassword}`, `oci:${single.dir}:${single.ref}`, `docker://${secured.host}/${DOC_IMAGE}`]);
    });
    after(async () => {
      await secured?.stop();
    });

    it('the kubectl command, quoted as in the doc, makes a secret that pulls', async () => {
      const command = (await recipe('kubectl-pull-secret')).replaceAll(DOC_HOST, secured.host);
      const home = ws.subdir('kube-home');
      await mkdir(home, { recursive: true });
      const made = await run('bash', ['-c', `${command} --dry-run=client -o jsonpath='{.data.\\.dockerconfigjson}'`], {
        env: { ...process.env, HOME: home, ROBOT_SECRET: robotSecret, KUBECONFIG: join(home, 'none') },
        timeoutMs: 60_000,
      });
      const authFile = join(home, 'pull-secret.json');
      const config = Buffer.from(made.stdout.trim(), 'base64').toString('utf8');
      await writeFile(authFile, config);
      const entry = (JSON.parse(config) as { auths: Record<string, { username?: string }> }).auths[secured.host];
      assert.equal(entry?.username, 'robot$team+puller', 'the $ survived the shell');
      const tools = await containersTools(ws.subdir('kubelet'), secured);
      const pulled = await tools.skopeo(['inspect', '--raw', '--authfile', authFile, `docker://${secured.host}/${DOC_IMAGE}`], { allowFailure: true });
      assert.equal(pulled.code, 0, `pull with the secret's auth: ${pulled.stderr}`);
      assert.equal(pulled.stdout, ws.images.single.bytes.toString('utf8'));
    });
  });
});

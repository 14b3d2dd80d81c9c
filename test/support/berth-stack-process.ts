/**
 * The e2e target in stack mode (stack-mode.ts): three `berth serve` processes on one scratch
 * PostgreSQL database and one RGW bucket, behind nginx, presented as one RegistryProcess so the
 * e2e tests run unchanged. TLS is terminated at nginx (localhost:PORT, the test CA's certificate)
 * and the instances trust its X-Forwarded-* headers, as behind a production proxy.
 *
 * `root` is the first instance's data root; the `berth` CLI reaches the shared database and
 * bucket through stackCliEnv(root). `output()` interleaves the three instances' output in the
 * order it arrived, so a test that marks its length and reads what follows sees every instance.
 */
import { startNginx } from './nginx.js';
import { freePort, startBerth, type RegistryProcess, type StartOptions } from './registry-process.js';
import { forgetStackCliEnv, openStackBacking, rememberStackCliEnv, STACK_INSTANCES, STACK_PROXY_ADDRESS } from './stack-mode.js';

export interface StackStartOptions extends StartOptions {
  /** Instances behind nginx (default STACK_INSTANCES); the bench compares 1 with 3. */
  instances?: number;
  /** Names the scratch database and bucket, so a leftover one says who made it. */
  label?: string;
}

export async function startBerthStack(options: StackStartOptions): Promise<RegistryProcess> {
  const backing = await openStackBacking(options.label ?? 'e2e');
  const env: Record<string, string> = {
    ...backing.env,
    REGISTRY_HTTP_TRUSTEDPROXIES: STACK_PROXY_ADDRESS,
    BERTH_LIFECYCLE_GC_INTERVAL: '0',
    ...options.env,
  };
  let log = '';
  const ports = await Promise.all(Array.from({ length: options.instances ?? STACK_INSTANCES }, () => freePort()));
  const instances: RegistryProcess[] = [];
  const stopAll = () => Promise.all(instances.map((i) => i.stop()));
  try {
    // All at once, as a roll-out starts them: migrations and the admin's bootstrap race.
    const started = await Promise.allSettled(ports.map((port) => startBerth({ auth: options.auth, port, env, workers: options.workers })));
    for (const s of started) if (s.status === 'fulfilled') instances.push(s.value);
    const failed = started.find((s) => s.status === 'rejected');
    if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
  } catch (error) {
    await stopAll();
    await backing.close();
    throw error;
  }
  for (const instance of instances) {
    log += instance.output();
    instance.child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
    instance.child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  }
  let nginx;
  try {
    nginx = await startNginx(ports, { tls: options.tls, bind: STACK_PROXY_ADDRESS });
  } catch (error) {
    await stopAll();
    await backing.close();
    throw error;
  }
  const first = instances[0]!;
  rememberStackCliEnv(first.root, backing.env);
  const proxy = nginx;
  return {
    kind: 'berth',
    url: proxy.url,
    host: proxy.host,
    port: proxy.port,
    root: first.root,
    child: first.child,
    output: () => log,
    async stop(o = {}) {
      try {
        await proxy.stop();
        await Promise.all(instances.map((i) => i.stop(o)));
      } finally {
        forgetStackCliEnv(first.root);
        await backing.close();
      }
    },
  };
}

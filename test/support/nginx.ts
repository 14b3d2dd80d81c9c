/**
 * Debian's nginx as the load balancer in front of several Berth instances: a non-daemon child
 * with a generated config on a free loopback port. Round-robin upstreams, no body size limit
 * and no request buffering (a push streams through, as it would behind a production proxy),
 * X-Forwarded-* set, and the upstream that answered named in `X-Upstream` so tests can see
 * where each request went.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './registry-process.js';

export interface Nginx {
  port: number;
  url: string;
  /** 127.0.0.1:PORT (localhost:PORT over TLS), what clients put in image references. */
  host: string;
  stop(): Promise<void>;
  errorLog(): Promise<string>;
}

export const NGINX = '/usr/sbin/nginx';

/** TLS at nginx (as a production proxy terminates it); the instances behind it speak plain HTTP. */
export interface NginxTls {
  certificate: string;
  key: string;
}

export interface NginxOptions {
  tls?: NginxTls;
  /**
   * The address nginx connects to the instances from. On loopback the clients are 127.0.0.1 too,
   * so a proxy of its own address lets the instances trust it (http.trustedproxies) without
   * trusting every test client's X-Forwarded-For, as in a deployment.
   */
  bind?: string;
}

function config(dir: string, port: number, upstreams: readonly number[], options: NginxOptions): string {
  const tls = options.tls;
  const temp = (name: string) => join(dir, 'temp', name);
  return `
${process.getuid?.() === 0 ? 'user root;' : ''}
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${temp('body')};
  proxy_temp_path ${temp('proxy')};
  fastcgi_temp_path ${temp('fastcgi')};
  uwsgi_temp_path ${temp('uwsgi')};
  scgi_temp_path ${temp('scgi')};
  upstream berth {
${upstreams.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=5s;`).join('\n')}
    keepalive 16;
  }
  server {
    listen 127.0.0.1:${port}${tls ? ' ssl' : ''};
${tls ? `    ssl_certificate ${tls.certificate};\n    ssl_certificate_key ${tls.key};\n` : ''}    client_max_body_size 0;
    # Bearer tokens and Basic credentials can pass nginx's 8 KiB default; Berth judges them itself.
    large_client_header_buffers 4 32k;
    location / {
      proxy_pass http://berth;
${options.bind ? `      proxy_bind ${options.bind};\n` : ''}      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $http_host;
      proxy_request_buffering off;
      proxy_buffering off;
      proxy_read_timeout 300s;
      proxy_send_timeout 300s;
      add_header X-Upstream $upstream_addr always;
    }
  }
}
`;
}

async function listening(port: number): Promise<boolean> {
  return new Promise((ok) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), ok(true)));
    socket.once('error', () => ok(false));
  });
}

export async function startNginx(upstreams: readonly number[], options: NginxOptions = {}): Promise<Nginx> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-nginx-'));
  await mkdir(join(dir, 'temp'));
  const port = await freePort();
  const file = join(dir, 'nginx.conf');
  await writeFile(file, config(dir, port, upstreams, options));
  const child: ChildProcess = spawn(NGINX, ['-p', dir, '-c', file, '-e', join(dir, 'error.log'), '-g', 'daemon off;'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((ok) => child.once('close', () => ok()));
  const deadline = Date.now() + 10_000;
  while (!(await listening(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`nginx did not start:\n${output}\n${await readFile(join(dir, 'error.log'), 'utf8').catch(() => '')}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    url: options.tls ? `https://localhost:${port}` : `http://127.0.0.1:${port}`,
    host: options.tls ? `localhost:${port}` : `127.0.0.1:${port}`,
    errorLog: () => readFile(join(dir, 'error.log'), 'utf8').catch(() => ''),
    async stop() {
      // SIGQUIT: graceful; SIGTERM would drop connections mid-request, which only the tests that want it do.
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGQUIT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

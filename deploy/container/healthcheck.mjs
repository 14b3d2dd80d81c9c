// The image's HEALTHCHECK: GET /healthz on the address Berth listens on, found as `berth serve`
// finds it (the image's config file, then REGISTRY_* variables), so a changed port or TLS
// needs no change to the check. Exits 0 when the answer is 200, 1 otherwise.
import { existsSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { loadConfig } from '../../dist/src/config/load-config.js';
import { parseListenAddress } from '../../dist/src/config/listen-address.js';

// The image's config path unless told otherwise (tests run it outside the image).
const file = process.argv[2] ?? '/etc/docker/registry/config.yml';
const { config } = loadConfig({ file: existsSync(file) ? file : undefined, env: process.env });
const address = parseListenAddress(config.http.addr);
if ('invalid' in address) {
  console.error(`healthcheck: ${address.invalid}`);
  process.exit(1);
}
// A wildcard listen answers on loopback; a named host is where Berth listens.
const wildcard = address.host === undefined || address.host === '::' || address.host === '0.0.0.0';
const host = wildcard ? '127.0.0.1' : address.host;
const client = config.http.tls ? https : http;
// Only liveness is checked here, on the container's own address: the certificate is not.
const request = client.get(
  { host, port: address.port, path: '/healthz', timeout: 4000, rejectUnauthorized: false },
  (response) => {
    response.resume();
    process.exit(response.statusCode === 200 ? 0 : 1);
  },
);
request.on('timeout', () => request.destroy(new Error('no answer within 4 s')));
request.on('error', (error) => {
  console.error(`healthcheck: ${error.message}`);
  process.exit(1);
});

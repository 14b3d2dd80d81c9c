/**
 * A throwaway certificate authority for TLS runs. Clients are made to trust it through
 * SSL_CERT_FILE (a bundle of the system CAs plus this one) or a cert dir, never through /etc.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from './run.js';

export interface TestCa {
  /** PEM of the CA certificate alone. */
  caCert: string;
  /** Directory holding only ca.crt: the shape `--cert-dir` expects (a stray *.key there is read as a client key). */
  certDir: string;
  /** System CAs followed by the test CA, for SSL_CERT_FILE. */
  bundle: string;
  serverCert: string;
  serverKey: string;
}

const systemBundle = '/etc/ssl/certs/ca-certificates.crt';

export async function createTestCa(dir: string): Promise<TestCa> {
  await mkdir(dir, { recursive: true });
  const certDir = join(dir, 'trust');
  await mkdir(certDir);
  const caKey = join(dir, 'ca.key');
  const caCert = join(certDir, 'ca.crt');
  const serverKey = join(dir, 'server.key');
  const serverCsr = join(dir, 'server.csr');
  const serverCert = join(dir, 'server.crt');
  const extensions = join(dir, 'server.ext');
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

  await run('openssl', [
    'req', '-x509', ...ec, '-keyout', caKey, '-out', caCert, '-days', '3', '-subj', '/CN=Berth e2e test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  // Go rejects certificates whose names live only in the CN, so every name goes in the SAN.
  await writeFile(
    extensions,
    'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n' +
      'basicConstraints=critical,CA:FALSE\n' +
      'keyUsage=critical,digitalSignature,keyEncipherment\n' +
      'extendedKeyUsage=serverAuth\n',
  );
  await run('openssl', ['req', '-new', ...ec, '-keyout', serverKey, '-out', serverCsr, '-subj', '/CN=localhost']);
  await run('openssl', [
    'x509', '-req', '-in', serverCsr, '-CA', caCert, '-CAkey', caKey, '-set_serial', '0x' + Date.now().toString(16),
    '-days', '3', '-extfile', extensions, '-out', serverCert,
  ]);

  const caPem = await readFile(caCert, 'utf8');
  let system = '';
  try {
    system = await readFile(systemBundle, 'utf8');
  } catch {
    // A machine without ca-certificates still works: nothing here needs a public CA.
  }
  const bundle = join(dir, 'bundle.crt');
  await writeFile(bundle, `${system.trimEnd()}\n${caPem}`);
  return { caCert, certDir, bundle, serverCert, serverKey };
}

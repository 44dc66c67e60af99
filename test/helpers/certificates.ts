// A private CA made here with openssl, and a server certificate it signed for 127.0.0.1 and localhost.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

export interface Certificates {
  /** The CA's certificate (PEM file), what a client is told to trust. */
  ca: string;
  caKey: string;
  /** The server's certificate and key (PEM files). */
  cert: string;
  key: string;
}

/** Writes the CA and the server certificate into `dir`. */
export function makeCertificates(dir: string): Certificates {
  const p = (name: string): string => path.join(dir, name);
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', p('ca.key'), '-out', p('ca.crt'), '-subj', '/CN=qmb test CA', '-days', '2');
  openssl('req', ...ec, '-keyout', p('server.key'), '-out', p('server.csr'), '-subj', '/CN=localhost');
  writeFileSync(p('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  openssl('x509', '-req', '-in', p('server.csr'), '-CA', p('ca.crt'), '-CAkey', p('ca.key'), '-CAcreateserial', '-out', p('server.crt'), '-days', '2', '-extfile', p('server.ext'));
  return { ca: p('ca.crt'), cert: p('server.crt'), key: p('server.key'), caKey: p('ca.key') };
}

// The HTTPS certificate and key named by QMB_TLS_CERT / QMB_TLS_KEY, read and checked once at start.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import type { Config } from '../config.js';
import { ConfigError } from '../errors.js';

/** PEM contents for Fastify's `https` option. */
export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
}

function read(name: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new ConfigError(`${name}: cannot read ${file}: ${(err as Error).message}`);
  }
}

/**
 * Reads the certificate and key when both are configured (undefined otherwise). Throws ConfigError
 * naming the variable and the file when one is unreadable, not PEM, or the two do not belong together,
 * so a bad file stops the start instead of failing every handshake.
 */
export function loadTls(config: Pick<Config, 'tlsCert' | 'tlsKey'>): TlsFiles | undefined {
  if (config.tlsCert === undefined || config.tlsKey === undefined) return undefined;
  const cert = read('QMB_TLS_CERT', config.tlsCert);
  const key = read('QMB_TLS_KEY', config.tlsKey);
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(cert);
  } catch {
    throw new ConfigError(`QMB_TLS_CERT: ${config.tlsCert} holds no PEM certificate (expected "-----BEGIN CERTIFICATE-----")`);
  }
  let privateKey: ReturnType<typeof createPrivateKey>;
  try {
    privateKey = createPrivateKey(key);
  } catch (err) {
    throw new ConfigError(`QMB_TLS_KEY: ${config.tlsKey} holds no usable PEM private key (an encrypted key is not supported): ${(err as Error).message}`);
  }
  if (!leaf.checkPrivateKey(privateKey)) {
    throw new ConfigError(`QMB_TLS_KEY: the key in ${config.tlsKey} does not match the certificate in ${config.tlsCert}`);
  }
  try {
    createSecureContext({ cert, key });
  } catch (err) {
    throw new ConfigError(`QMB_TLS_CERT: ${config.tlsCert} and ${config.tlsKey} cannot serve TLS: ${(err as Error).message}`);
  }
  return { cert, key };
}

// TLS for both servers from the configured PEM files: what Node's HTTPS server and gRPC's server credentials are given.

import { readFileSync } from 'node:fs';
import type { SecureContextOptions, TlsOptions } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { InvalidInputError } from '../core/errors.js';

export interface ServerTls {
  cert: Buffer;
  key: Buffer;
  /** CAs a client certificate must chain to; set: clients without a valid certificate are refused (mutual TLS). */
  clientCa?: Buffer;
}

/** Reads the files once at start, so a file that cannot be read stops the start with its name, not the first handshake. */
export function readServerTls(files: { tlsCert: string | undefined; tlsKey: string | undefined; tlsClientCa: string | undefined }): ServerTls | undefined {
  if (!files.tlsCert || !files.tlsKey) return undefined;
  const read = (path: string, field: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new InvalidInputError(`${field}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  };
  return {
    cert: read(files.tlsCert, 'tlsCert'),
    key: read(files.tlsKey, 'tlsKey'),
    ...(files.tlsClientCa ? { clientCa: read(files.tlsClientCa, 'tlsClientCa') } : {}),
  };
}

/** Options for Node's HTTPS server; with a client CA, the handshake itself refuses a client without a valid certificate. */
export function httpsOptions(tls: ServerTls): TlsOptions & SecureContextOptions {
  return {
    cert: tls.cert,
    key: tls.key,
    ...(tls.clientCa ? { ca: tls.clientCa, requestCert: true, rejectUnauthorized: true } : {}),
  };
}

/** gRPC's server credentials: TLS, and client certificates required and verified when a client CA is set. */
export function grpcServerCredentials(tls: ServerTls | undefined): grpc.ServerCredentials {
  if (!tls) return grpc.ServerCredentials.createInsecure();
  return grpc.ServerCredentials.createSsl(tls.clientCa ?? null, [{ private_key: tls.key, cert_chain: tls.cert }], tls.clientCa !== undefined);
}

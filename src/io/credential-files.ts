/**
 * Reading a client certificate file for the certificate credential (`--certificate`,
 * AZURE_CLIENT_CERTIFICATE_PATH): a PEM with the private key and the certificate. A PKCS#12 file is
 * refused with the openssl line that converts it (Node's crypto has no PKCS#12 parser).
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseCertificatePem, type ClientCertificate } from '../core/client-assertion.js';
import { badInput } from '../core/errors.js';

/** Parse certificate PEM bytes, refusing PKCS#12 with the conversion command. */
export function certificateFromBytes(data: Buffer, name: string, passphrase?: string): ClientCertificate {
  if (/\.(pfx|p12)$/i.test(name) && !data.includes('-----BEGIN')) {
    throw badInput(
      `${name} is PKCS#12 (.pfx/.p12), which entra-token does not read (Node's crypto has no PKCS#12 parser)`,
      `convert it to PEM: openssl pkcs12 -in ${name} -out app.pem -nodes && chmod 600 app.pem (then --certificate app.pem)`,
    );
  }
  return parseCertificatePem(data, name, passphrase);
}

/** Read and parse a certificate file (relative paths from `cwd`). */
export async function readCertificateFile(file: string, cwd: string, passphrase?: string): Promise<ClientCertificate> {
  let data: Buffer;
  try {
    data = await readFile(resolve(cwd, file));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw badInput(
      `cannot read the certificate file ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (code ?? 'error')}`,
    );
  }
  return certificateFromBytes(data, file, passphrase);
}

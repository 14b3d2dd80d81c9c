/**
 * What stops `berth serve` from starting, as one line an operator can act on (what is wrong,
 * and the setting or command that fixes it) instead of a stack trace. The error is a core
 * InvalidInputError because main prints those as `berth: MESSAGE` with exit code 1 and no
 * stack; it never reaches HTTP.
 */
import { InvalidInputError } from '../core/errors.js';
import { currentUser } from '../config/file-probes.js';

export class StartupRefusal extends InvalidInputError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, undefined, options);
  }
}

/** `[::]:5000`, `0.0.0.0:5000`, `127.0.0.1:5000`: the address as the listener saw it. */
export function displayAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

const CHOOSE = 'choose another with http.addr in the config or REGISTRY_HTTP_ADDR (e.g. REGISTRY_HTTP_ADDR=:5001)';

/** A failed listen, said as what the operator can change; undefined for an error it does not know. */
export function listenFailure(error: unknown, host: string, port: number): StartupRefusal | undefined {
  const code = (error as NodeJS.ErrnoException).code;
  const where = displayAddress(host, port);
  switch (code) {
    case 'EADDRINUSE':
      return new StartupRefusal(`cannot listen on ${where}: another program is already listening there (a second registry?); stop it, or ${CHOOSE}`, { cause: error });
    case 'EACCES':
      return new StartupRefusal(
        `cannot listen on ${where}: user ${currentUser()} may not use port ${port} (ports below 1024 need root or CAP_NET_BIND_SERVICE); ${CHOOSE}`,
        { cause: error },
      );
    case 'EADDRNOTAVAIL':
      return new StartupRefusal(`cannot listen on ${where}: no network interface of this machine has that address; use one it has, or ":${port}" for all, in http.addr (REGISTRY_HTTP_ADDR)`, {
        cause: error,
      });
    default:
      return undefined;
  }
}

/**
 * A file-system or database error while opening the data (a subdirectory or database file
 * another account owns, a read-only or full disk) after the probes passed; undefined otherwise.
 */
export function dataFailure(error: unknown): StartupRefusal | undefined {
  // An adapter may wrap the system error (the signing key's reader does); the cause holds the code.
  const errno = error as NodeJS.ErrnoException;
  const { code, path } = errno.code === undefined && errno.cause !== undefined ? (errno.cause as NodeJS.ErrnoException) : errno;
  const where = path === undefined ? 'the data directory' : `"${path}"`;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return new StartupRefusal(`cannot write ${where} as user ${currentUser()} (${code}); make the data directory and everything in it theirs (chown -R), or choose another with REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY`, {
        cause: error,
      });
    case 'EROFS':
      return new StartupRefusal(`cannot write ${where}: the filesystem is read-only; mount it read-write or choose another data directory with REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY`, { cause: error });
    case 'ENOSPC':
      return new StartupRefusal(`cannot write ${where}: the disk is full; free space or choose another data directory with REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY`, { cause: error });
    case 'SQLITE_CANTOPEN':
    case 'SQLITE_READONLY':
    case 'SQLITE_READONLY_DBMOVED':
      return new StartupRefusal(
        `cannot open the metadata database for writing as user ${currentUser()} (${code}); make metadata.sqlite.path and its directory writable by that user, or choose another path with BERTH_METADATA_SQLITE_PATH`,
        { cause: error },
      );
    case 'SQLITE_NOTADB':
      return new StartupRefusal('metadata.sqlite.path is not an SQLite database; point BERTH_METADATA_SQLITE_PATH at Berth\'s database (or a new path)', { cause: error });
    default:
      return undefined;
  }
}

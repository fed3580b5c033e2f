// The compiled build users run (dist/, as bin/endpoint.js loads it), for the integration tests.
// They never import a second compilation of src/: a construct that compiled differently under
// tsx and tsc once left the suite green while the shipped server answered 500.
import { fileURLToPath } from 'node:url';
import { buildIsFresh } from '../../bin/freshness.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
if (!buildIsFresh(root)) throw new Error('dist/ is older than src/: run `npm run build` before the tests');

function load<Module>(path: string): Promise<Module> {
  return import(`${root}dist/${path}`) as Promise<Module>;
}

export const { buildApp, permissions } = await load<typeof import('../../src/app.ts')>('app.js');
export const { packages } = await load<typeof import('../../src/packages/index.ts')>('packages/index.js');
export const { createServices } = await load<typeof import('../../src/core/services.ts')>('core/services.js');
export const { definePackage } = await load<typeof import('../../src/core/package.ts')>('core/package.js');
export const { loadConfig } = await load<typeof import('../../src/config.ts')>('config.js');
export const { createDb, isForeignKeyViolation } = await load<typeof import('../../src/core/db.ts')>('core/db.js');
export const { assertMigrated, createMigrator, migrateToLatest } =
  await load<typeof import('../../src/core/migrate.ts')>('core/migrate.js');
export const { ERRORS } = await load<typeof import('../../src/core/http-errors.ts')>('core/http-errors.js');
export const { InvalidCredentialsError } =
  await load<typeof import('../../src/packages/users/errors.ts')>('packages/users/errors.js');
export const { createHooksService } =
  await load<typeof import('../../src/packages/hooks/service.ts')>('packages/hooks/service.js');
export const { createSecretBox } =
  await load<typeof import('../../src/packages/hooks/secret-box.ts')>('packages/hooks/secret-box.js');
export const { claimDue, finishAttempt } =
  await load<typeof import('../../src/packages/hooks/queue.ts')>('packages/hooks/queue.js');
export const { sendTestDelivery } = await load<typeof import('../../src/packages/hooks/test-console.ts')>(
  'packages/hooks/test-console.js',
);

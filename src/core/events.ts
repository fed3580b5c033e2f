import { type TSchema, Type } from 'typebox';
import type { Db } from './db.ts';

/**
 * An outbound event type a package declares in `definePackage({ events: {...} })`, by name
 * (`user.created`): what it means, the shape of its message's `data` (listed in the OpenAPI
 * document), and the permission whose holders may see that data, which a user must hold to
 * subscribe to it (none for `ping`, which carries nothing).
 */
export interface EventType {
  description: string;
  data: TSchema;
  permission?: string;
}

/**
 * Writes an outbound event through `executor`: the transaction of the change it reports, so the
 * message commits or rolls back with the change. `data` never holds a secret, token or hash.
 */
export type Emit = (executor: Db, type: string, data: Record<string, unknown>) => Promise<void>;

/**
 * Every event type of every package, sorted by name; throws at startup when two packages declare
 * one name, or a type names a permission no package declares.
 */
export function collectEventTypes(
  packages: readonly { name: string; events?: Record<string, EventType>; permissions?: Record<string, string> }[],
): ReadonlyMap<string, EventType> {
  const permissions = new Set(packages.flatMap((pkg) => Object.keys(pkg.permissions ?? {})));
  const found = new Map<string, EventType>();
  for (const pkg of packages) {
    for (const [name, type] of Object.entries(pkg.events ?? {})) {
      if (!/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$|^ping$/.test(name)) {
        throw new Error(`event type "${name}" of ${pkg.name}: bad name`);
      }
      if (found.has(name)) throw new Error(`event type "${name}" is declared twice (package ${pkg.name})`);
      if (type.permission !== undefined && !permissions.has(type.permission)) {
        throw new Error(`event type "${name}" of ${pkg.name} needs ${type.permission}, which no package declares`);
      }
      found.set(name, type);
    }
  }
  return new Map([...found].sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * Each type's message as subscribers receive it, `{"type", "timestamp", "data"}`, keyed
 * `event.<type>` for the OpenAPI document's components.
 */
export function eventMessageSchemas(types: ReadonlyMap<string, EventType>): Record<string, TSchema> {
  return Object.fromEntries(
    [...types].map(([name, type]) => [
      `event.${name}`,
      Type.Object(
        {
          type: Type.Literal(name),
          timestamp: Type.String({ format: 'date-time' }),
          data: type.data,
        },
        { description: type.description },
      ),
    ]),
  );
}

import type { Actor } from '../../core/actor.ts';
import type { EventType } from '../../core/events.ts';
import { EventTypeNotHeldError, InvalidSubscriptionError } from './errors.ts';

/** The types as stored: `["*"]` alone, or known names sorted, each once. */
export function checkedEventTypes(types: readonly string[], known: ReadonlyMap<string, EventType>): string[] {
  if (types.includes('*')) {
    if (types.length > 1) throw new InvalidSubscriptionError('"*" takes every event type: list it alone');
    return ['*'];
  }
  const unknown = types.find((type) => !known.has(type));
  if (unknown !== undefined) throw new InvalidSubscriptionError(`unknown event type "${unknown}"`);
  return [...new Set(types)].sort();
}

/**
 * A subscriber reads every message's data, so directing messages somewhere is seeing them: a user
 * may subscribe a URL only to types whose permission they hold (`*` needs every type's), as nobody
 * may give more than they hold. The operator is bound by no rule.
 */
export function assertMayReceive(actor: Actor, types: readonly string[], known: ReadonlyMap<string, EventType>): void {
  if (actor.kind === 'operator') return;
  const names = types.includes('*') ? [...known.keys()] : types;
  for (const name of names) {
    const permission = known.get(name)?.permission;
    if (permission !== undefined && !actor.holds.has(permission)) throw new EventTypeNotHeldError(name, permission);
  }
}

/** Whether a reader holding `holds` may see a message of `type`'s data. */
export function maySee(
  holds: ReadonlySet<string> | 'all',
  type: string,
  known: ReadonlyMap<string, EventType>,
): boolean {
  const permission = known.get(type)?.permission;
  return holds === 'all' || permission === undefined || holds.has(permission);
}

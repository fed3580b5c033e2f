import type { AdminContext } from '../../core/admin.ts';
import { inTransaction } from '../../core/db.ts';

/**
 * Runs a form's or an action's write with every service built over one transaction. A write may
 * take several service calls (a group's new member, its grants, then its name; each of a bulk
 * action's rows): when the service refuses one part way, what the calls before it did and their
 * audit entries roll back with it, so a refused form or action changes nothing.
 */
export function asOneChange<T>(context: AdminContext, write: (context: AdminContext) => Promise<T>): Promise<T> {
  return inTransaction(context.db, (trx) =>
    write({ ...context, db: trx, services: context.services.adminServicesOver(trx) }),
  );
}

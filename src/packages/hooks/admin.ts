import type { AdminModel } from '../../core/admin.ts';
import { deliveriesModel } from './admin-deliveries.ts';
import { hooksModel } from './admin-hooks.ts';
import { refusedModel } from './admin-refused.ts';

/** What the admin serves for hooks, in the order its index lists them. */
export const hooksAdmin: readonly AdminModel[] = [hooksModel, deliveriesModel, refusedModel];

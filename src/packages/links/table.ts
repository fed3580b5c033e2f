import type { Generated, Insertable, Selectable } from 'kysely';

export interface LinkTable {
  id: Generated<number>;
  /** The hook delivery the link came in; null once that delivery is deleted (the link stays). */
  delivery_id: number | null;
  url: string;
  /** The sender's number, masked (see mask-sender.ts); never the number itself. */
  sender: string;
  /** When the message reached the hook, not when it was handled. */
  received_at: string;
  created_at: string;
}

export interface LinksTables {
  links: LinkTable;
}

export type LinkRow = Selectable<LinkTable>;
export type NewLinkRow = Insertable<LinkTable>;

// Adds this package's tables to the `Database` every query is typed against.
declare module '../../core/db.ts' {
  interface Database extends LinksTables {}
}

import type { FastifyRequest } from 'fastify';
import type { TObject } from 'typebox';
import type { Actor } from './actor.ts';
import type { Db } from './db.ts';
import type { Services } from './package.ts';

/**
 * The admin's view registry: what a package declares in `definePackage({ admin: [...] })` so the
 * admin package (src/packages/admin) serves list, detail, create, edit, delete and action pages
 * for it under /admin/<package>/<model>/ without templates of its own.
 *
 * Every callback gets an `AdminContext`: the services of every package and the caller's `Actor`.
 * Writes go through the same service methods as the API, which hold the authorization rules, so
 * the admin can give nobody more than the API would. `db` is for reading lists only.
 */

/** What every callback of a model is given. */
export interface AdminContext {
  services: Services;
  /** The caller as the services' rules see them. */
  actor: Actor;
  /** Whether the caller holds a permission now (what the admin shows and refuses). */
  can(permission: string): Promise<boolean>;
  /** For reads only (lists, counts, detail sections); every write goes through a service. */
  db: Db;
  request: FastifyRequest;
}

/** A row as the admin shows it: an integer id and named values (string, number, boolean, null or a list of strings). */
export interface AdminRow {
  id: number;
  [key: string]: AdminValue;
}

export type AdminValue = string | number | boolean | null | undefined | readonly string[];

/** One choice of a filter, a select or a checklist. */
export interface AdminChoice {
  value: string;
  label: string;
}

export interface AdminColumn {
  /** The row's key; for `tableList`, also the table's column. */
  key: string;
  label: string;
  /** The list may be ordered by it; back it with an index (keyset pagination orders by it and the id). */
  sortable?: boolean;
  /** The search box matches it (case-insensitive substring). */
  searchable?: boolean;
  /** The list may be narrowed to rows whose value is one of these choices. */
  filter?: AdminChoice[];
}

/** What a list page asks for; validated by the admin before it reaches `list`. */
export interface AdminListQuery {
  /** Trimmed; '' for no search. */
  search: string;
  /** A sortable column's key, or 'id'. */
  sort: string;
  direction: 'asc' | 'desc';
  /** Column key to one of its filter's choice values. */
  filters: Record<string, string>;
  /** Opaque keyset cursor from a previous page's `next` or `previous`; absent for the first page. */
  after?: string;
  before?: string;
  limit: number;
}

/** One page of a list: cursors for the pages either side, absent at either end, and the count of every match. */
export interface AdminListPage {
  rows: AdminRow[];
  next?: string;
  previous?: string;
  total: number;
}

/** How a form field is shown; derived from its TypeBox schema unless overridden. */
export type AdminWidget = 'text' | 'email' | 'password' | 'textarea' | 'number' | 'checkbox' | 'select' | 'checklist';

/** Per-field overrides of what the schema gives. */
export interface AdminFieldOptions {
  label?: string;
  widget?: AdminWidget;
  help?: string;
  /**
   * Shown and read only for holders of this permission; for others the field is left out and
   * its key absent from the values, which a `run` must take as "leave as it is".
   */
  permission?: string;
  /** For select and checklist: fixed choices, or choices read when the form is shown. */
  choices?: AdminChoice[] | ((context: AdminContext) => Promise<AdminChoice[]>);
}

/**
 * A create or edit form: the TypeBox schema the API validates with (a `Type.Object`), and
 * overrides by field. Field order is the schema's; fields the schema has but the form should not
 * show are left out with `omit`. The admin checks the posted values against the schema and shows
 * each error next to its field, keeping what was typed.
 */
export interface AdminForm<Values = Record<string, unknown>> {
  schema: TObject;
  fields?: Record<string, AdminFieldOptions>;
  omit?: readonly string[];
  /** The form's starting values (edit: from the row). */
  initial?: (id: number | undefined, context: AdminContext) => Promise<Partial<Values>>;
}

/** A value shown once on the answer page itself (a new token or secret), never in a redirect or flash. */
export interface AdminReveal {
  label: string;
  value: string;
  /** What to do with it ("Copy it now: it is not shown again."). */
  note?: string;
}

/** What a write answers: a message for the next page, or a value shown once instead of redirecting. */
export interface AdminOutcome {
  message?: string;
  reveal?: AdminReveal;
}

/** An action on chosen rows (a row's page, or the list's checkboxes). */
export interface AdminAction {
  /** In the URL: lower-case letters, digits and dashes. */
  name: string;
  label: string;
  /** Needed to see and run it; the service's own rules apply as well. */
  permission: string;
  /** Shown on the confirmation page ("Deactivate these users? They are logged out at once."). */
  confirm: string;
  /** Offered on each row's page (default true). */
  row?: boolean;
  /** Offered on the list for checked rows (default true). */
  bulk?: boolean;
  run(ids: number[], context: AdminContext): Promise<AdminOutcome>;
}

/** A part of a detail page below the row's fields: a list of label/value pairs, or a table with links. */
export interface AdminSection {
  title: string;
  /** Label and value pairs; values are escaped, and `pre` ones shown in monospace as they are. */
  fields?: { label: string; value: AdminValue; pre?: boolean }[];
  /** A table; a cell with `href` is a link (to a local path). */
  table?: { columns: string[]; rows: { text: string; href?: string }[][]; empty?: string };
  /** Links under the section (to a package's own pages under /admin/<package>/...). */
  links?: { label: string; href: string }[];
}

/** One model of a package, as the admin serves it at /admin/<package>/<name>/. */
export interface AdminModel {
  /** In the URL: lower-case letters, digits and dashes (`users`). */
  name: string;
  /** Plural, for headings and the index ("Users"). */
  label: string;
  /** Singular ("user"). */
  singular: string;
  /** Codenames for each page; a page whose permission is absent is not offered. */
  permissions: { view: string; add?: string; change?: string; delete?: string };
  columns: AdminColumn[];
  /** The column shown as the row's name and link (default: the first). */
  title?: string;
  /** The default order (default: id, newest first). */
  defaultSort?: { key: string; direction: 'asc' | 'desc' };
  list(query: AdminListQuery, context: AdminContext): Promise<AdminListPage>;
  /** Every row, for the index. */
  count(context: AdminContext): Promise<number>;
  /** One row, with the fields the detail page shows (the columns' and any others); undefined when missing. */
  get(id: number, context: AdminContext): Promise<AdminRow | undefined>;
  /** Fields of the detail page and their labels (default: the columns). */
  detailFields?: { key: string; label: string }[];
  /** More of the detail page: related rows, counts, links to the package's own pages. */
  detailSections?: (row: AdminRow, context: AdminContext) => Promise<AdminSection[]>;
  create?: {
    form: AdminForm;
    /** Creates through the service; answers the new row's id, and optionally a value shown once. */
    run(values: Record<string, unknown>, context: AdminContext): Promise<AdminOutcome & { id: number }>;
  };
  update?: {
    form: AdminForm;
    /** Only the posted fields are given; checkboxes the form shows are given as false when unticked. */
    run(id: number, values: Record<string, unknown>, context: AdminContext): Promise<AdminOutcome>;
  };
  delete?: (id: number, context: AdminContext) => Promise<AdminOutcome>;
  actions?: AdminAction[];
}

/**
 * A field error a callback may throw to show a message next to one field (a taken name, a weak
 * password), the form kept as typed and nothing stored. Other 4xx errors from services are shown
 * above the form, except 401/403/404, which are error pages.
 */
export class AdminFieldError extends Error {
  readonly field: string;

  constructor(field: string, message: string) {
    super(message);
    this.field = field;
  }
}

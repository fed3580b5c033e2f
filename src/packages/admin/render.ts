import type { FastifyReply } from 'fastify';
import type { AdminModel, AdminRow, AdminValue } from '../../core/admin.ts';
import { takeFlash } from './flash.ts';

export interface Crumb {
  label: string;
  href?: string;
}

/**
 * Renders a page with the admin's layout: breadcrumbs, the message left by the previous answer,
 * and what the site layout needs. Packages render their own pages under /admin/<package>/...
 * with it; their template starts `<% layout('/packages/admin/templates/layout') %>`.
 */
export function renderAdminPage(
  reply: FastifyReply,
  template: string,
  data: { title: string; crumbs?: Crumb[]; status?: number } & Record<string, unknown>,
): FastifyReply {
  const { status = 200, crumbs = [], ...rest } = data;
  return reply.code(status).view(template, {
    principal: reply.request.principal,
    csrfToken: reply.generateCsrf(),
    flash: takeFlash(reply.request, reply),
    adminLink: true,
    crumbs: [{ label: 'Admin', href: '/admin' }, ...crumbs],
    ...rest,
  });
}

/** A value as text: lists joined, booleans as yes/no, nothing as an em dash. */
export function showValue(value: AdminValue): string {
  if (value === null || value === undefined || value === '') return '—';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (Array.isArray(value)) return value.length === 0 ? '—' : value.join(', ');
  return String(value);
}

export function modelPath(pkg: string, model: AdminModel): string {
  return `/admin/${pkg}/${model.name}/`;
}

/** The row's name as its links show it. */
export function rowTitle(model: AdminModel, row: AdminRow): string {
  const key = model.title ?? model.columns[0]?.key ?? 'id';
  const value = row[key];
  return value === undefined || value === null || value === '' ? `#${row.id}` : showValue(value);
}

export function modelCrumbs(pkg: string, model: AdminModel, row?: AdminRow): Crumb[] {
  const crumbs: Crumb[] = [{ label: model.label, href: modelPath(pkg, model) }];
  if (row) crumbs.push({ label: rowTitle(model, row), href: `${modelPath(pkg, model)}${row.id}` });
  return crumbs;
}

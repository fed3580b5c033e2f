import { type Db, nowIso } from '../../core/db.ts';
import type { Page, Paged } from '../../core/paging.ts';
import { extractUrls } from './extract-urls.ts';
import { maskSender } from './mask-sender.ts';
import * as repository from './repository.ts';
import type { LinkRow } from './table.ts';

/** A text message as it reached a hook. */
export interface Message {
  deliveryId: number;
  text: string;
  sender: string;
  receivedAt: string;
}

/** An archived link as the page shows it. */
export interface Link {
  id: number;
  url: string;
  sender: string;
  receivedAt: string;
}

function linkRowToLink(row: LinkRow): Link {
  return { id: row.id, url: row.url, sender: row.sender, receivedAt: row.received_at };
}

/**
 * Archives the links in a message with its sender masked, each once however often the message
 * is handled; answers them all, archived now or on an earlier run, so every run answers alike,
 * and the links archived by this run, whose `link.saved` events it writes.
 */
export async function archiveMessage(
  db: Db,
  message: Message,
  now = new Date(),
): Promise<{ urls: string[]; saved: Link[] }> {
  const urls = extractUrls(message.text);
  const sender = maskSender(message.sender);
  const createdAt = nowIso(now);
  const saved = await repository.insertLinksOnce(
    db,
    urls.map((url) => ({
      delivery_id: message.deliveryId,
      url,
      sender,
      received_at: message.receivedAt,
      created_at: createdAt,
    })),
  );
  return { urls, saved: saved.map(linkRowToLink) };
}

/** Archived links whose URL contains `search` in any case (all for ''), newest message first. */
export async function listLinks(db: Db, search: string, page: Page): Promise<Paged<Link>> {
  const { rows, total } = await repository.listLinks(db, search, page);
  return { items: rows.map(linkRowToLink), total, ...page };
}

import type { HandlerReply } from '../../core/hook-handlers.ts';

// Twilio accepts text/xml and application/xml alike; text/xml is what its own examples send.
const CONTENT_TYPE = 'text/xml; charset=utf-8';

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => XML_ESCAPES[character]);
}

/** TwiML answering an SMS with one message, or with nothing when `message` is absent. */
export function twiml(message?: string): HandlerReply {
  const body = message === undefined ? '<Response/>' : `<Response><Message>${escapeXml(message)}</Message></Response>`;
  return { contentType: CONTENT_TYPE, body };
}

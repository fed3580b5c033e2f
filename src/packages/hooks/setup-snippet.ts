import type { VerifyMode } from './verify/registry.ts';

/**
 * What to give a hook's sender so its calls verify, by scheme: where to paste the URL (and the
 * secret) at GitHub, Stripe or Twilio, or a command that makes a call as the hook expects it. The
 * secret itself is never in it (it is shown once, at creation or rotation): `$SECRET` stands for it.
 */
export function setupSnippet(mode: VerifyMode, url: string): string {
  switch (mode) {
    case 'standard':
      return [
        '# Any Standard Webhooks sender: this URL and the secret (whsec_...). By hand, with openssl:',
        `id=msg_$(date +%s%N); ts=$(date +%s); body='{"type":"ping"}'`,
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion, for the sender's shell
        'key=$(printf %s "${SECRET#whsec_}" | base64 -d | od -An -tx1 | tr -d " \\n")',
        'sig=$(printf %s "$id.$ts.$body" | openssl dgst -sha256 -mac HMAC -macopt hexkey:$key -binary | base64)',
        `curl -X POST '${url}' -H 'content-type: application/json' \\`,
        `  -H "webhook-id: $id" -H "webhook-timestamp: $ts" -H "webhook-signature: v1,$sig" -d "$body"`,
      ].join('\n');
    case 'token':
      return [
        '# Callers send an API token whose owner and scopes hold hooks.call (add-token --scopes hooks.call).',
        `curl -X POST '${url}' -H "Authorization: Bearer $TOKEN" \\`,
        `  -H 'content-type: application/json' -H "Idempotency-Key: $(uuidgen)" -d '{"type":"ping"}'`,
      ].join('\n');
    case 'github':
      return [
        'GitHub: the repository (or organization) → Settings → Webhooks → Add webhook',
        `  Payload URL:  ${url}`,
        '  Content type: application/json',
        "  Secret:       this hook's secret",
        '  SSL verification: enabled',
      ].join('\n');
    case 'stripe':
      return [
        'Stripe Dashboard → Developers → Webhooks → Add endpoint',
        `  Endpoint URL: ${url}`,
        "  Then copy the endpoint's signing secret (whsec_...) and rotate this hook's secret to it:",
        '  endpoint rotate-hook-secret --name <hook> --secret whsec_...',
      ].join('\n');
    case 'twilio':
      return [
        'Twilio Console → Phone Numbers → Manage → your number → Messaging configuration',
        `  A message comes in:  Webhook  ${url}  HTTP POST`,
        "  This hook's secret is the account's Auth Token (Console → Account info).",
      ].join('\n');
  }
}

/**
 * The handlers a hook may name. `inbox` only stores deliveries; handlers that act on them run
 * from the inbox afterwards, never inside the request.
 */
export const HANDLERS: readonly string[] = ['inbox'];

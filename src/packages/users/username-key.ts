/**
 * The form usernames are compared in: Unicode NFC, then a case fold, computed here rather than by
 * the database so SQLite (whose lower() knows only ASCII) and PostgreSQL (whose lower() follows
 * its locale) agree. Upper- then lower-casing folds what lower-casing alone keeps apart (`ß` and
 * `SS`, `ς` and `σ`); NFC before and after makes a composed `Ä` and `A` + U+0308 one name.
 * Normalization is stable across Unicode versions, and so is the casing of assigned characters,
 * which is all a username can hold, so a key stored today is found tomorrow.
 */
export function usernameKey(username: string): string {
  return username.normalize('NFC').toUpperCase().toLowerCase().normalize('NFC');
}

import hooks from './hooks/index.ts';
import links from './links/index.ts';
import publicPages from './public/index.ts';
import tokens from './tokens/index.ts';
import users from './users/index.ts';

/** The installed packages; adding one is one line. Order: a package before those that use it. */
export const packages = [users, tokens, publicPages, hooks, links];

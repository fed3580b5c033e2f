// The installed packages, one line each (adding a package is adding its line), in order: a
// package comes before those whose services use it.
export const packages = [
  (await import('./audit/index.ts')).default,
  // Right after audit: every package that changes something emits its events through it.
  (await import('./events/index.ts')).default,
  (await import('./users/index.ts')).default,
  (await import('./tokens/index.ts')).default,
  (await import('./public/index.ts')).default,
  (await import('./hooks/index.ts')).default,
  (await import('./metrics/index.ts')).default,
  (await import('./admin/index.ts')).default,
  (await import('./links/index.ts')).default,
];

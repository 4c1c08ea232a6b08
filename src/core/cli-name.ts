// How messages and reports name commands to run next: `npx lrsweep` finds a local install (which
// is not on PATH) as well as a global one.
export const CLI = 'npx lrsweep';

import { z } from 'zod';

// Small pieces the route schemas and DTOs share.

/** Postgres text cannot hold NUL; refusing it in the schema keeps it a 400, not a failed insert. */
export const noNul = (s: string) => !s.includes('\u0000');

/** A date-time in a response, as `toIsoOrNull` writes it. */
export const DateTimeText = z.string().meta({
  format: 'date-time',
  example: '2025-01-31T10:00:00.000Z',
});

export const toIsoOrNull = (d: Date | null) => (d ? d.toISOString() : null);

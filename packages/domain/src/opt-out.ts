// Opt-out: a recipient who answers with one of these words is never written to again.

/** The default OPT_OUT_KEYWORDS: English, French (with and without the accent) and Arabic. */
export const DEFAULT_OPT_OUT_KEYWORDS = [
  'STOP',
  'STOP ALL',
  'UNSUBSCRIBE',
  'ARRET',
  'ARRÊT',
  'إلغاء',
  'توقف',
] as const;

/** Trimmed, inner spaces collapsed, case-folded (and composed, so Ê typed two ways matches). */
export function foldKeyword(text: string): string {
  return text.normalize('NFC').trim().replace(/\s+/g, ' ').toLocaleLowerCase('und');
}

/** The keyword a reply is, or null: the whole text must be the keyword, not merely contain it. */
export function matchOptOut(text: string, keywords: readonly string[]): string | null {
  const folded = foldKeyword(text);
  if (!folded) return null;
  return keywords.find((keyword) => foldKeyword(keyword) === folded) ?? null;
}

import type { Credentials } from './api/http.ts';

// Session storage only: the key or token is gone when the tab closes, and no other tab sees it.
const KEY = 'herald.credentials';

export function loadCredentials(): Credentials | null {
  const text = sessionStorage.getItem(KEY);
  if (!text) return null;
  try {
    return JSON.parse(text) as Credentials;
  } catch {
    return null;
  }
}

export function saveCredentials(who: Credentials | null): void {
  if (who) sessionStorage.setItem(KEY, JSON.stringify(who));
  else sessionStorage.removeItem(KEY);
}

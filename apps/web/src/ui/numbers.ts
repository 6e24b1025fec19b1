/** A whole number ≥ min typed into a field, or the words for what is wrong with it. */
export function wholeNumber(text: string, label: string, min = 0): number | string {
  const value = Number(text);
  if (text.trim() === '' || !Number.isInteger(value) || value < min) {
    return `${label} must be a whole number of at least ${min}`;
  }
  return value;
}

/** Empty means "not set" (null); otherwise as wholeNumber. */
export function optionalWholeNumber(text: string, label: string, min = 0): number | null | string {
  return text.trim() === '' ? null : wholeNumber(text, label, min);
}

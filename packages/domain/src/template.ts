const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}/g;

export type TemplateVariables = Record<string, string | number | boolean>;

/** Every distinct placeholder name in a template, in order of first use. */
export function placeholdersOf(template: string): string[] {
  return [...new Set(Array.from(template.matchAll(PLACEHOLDER), (m) => m[1] as string))];
}

/** Names the template uses that `variables` does not provide. */
export function missingVariables(template: string, variables: TemplateVariables): string[] {
  return placeholdersOf(template).filter((name) => !Object.hasOwn(variables, name));
}

/** Substitutes `{{name}}` placeholders; callers check `missingVariables` first. */
export function renderTemplate(template: string, variables: TemplateVariables): string {
  return template.replace(PLACEHOLDER, (whole, name: string) =>
    Object.hasOwn(variables, name) ? String(variables[name]) : whole,
  );
}

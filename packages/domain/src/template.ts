const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}/g;

export type TemplateVariables = Record<string, string | number | boolean>;

/** Every distinct placeholder name in a template, in order of first use. */
export function placeholdersOf(template: string): string[] {
  return [...new Set(Array.from(template.matchAll(PLACEHOLDER), (m) => m[1] as string))];
}

/** Substitutes `{{name}}` placeholders; a placeholder without a value is left as it is. */
export function renderTemplate(template: string, variables: TemplateVariables): string {
  return template.replace(PLACEHOLDER, (whole, name: string) =>
    Object.hasOwn(variables, name) ? String(variables[name]) : whole,
  );
}

/** A template split once into text and placeholders, to render many recipients cheaply. */
export interface CompiledTemplate {
  /** Distinct placeholder names, in order of first use. */
  names: string[];
  /** Renders with `lookup`; null when some placeholder has no value (nothing partial). */
  render(lookup: (name: string) => string | number | boolean | undefined): string | null;
}

export function compileTemplate(template: string): CompiledTemplate {
  // split() with one capture group alternates text and names: text, name, text, …, text.
  const parts = template.split(new RegExp(PLACEHOLDER.source));
  const names = [...new Set(parts.filter((_, i) => i % 2 === 1))];
  return {
    names,
    render(lookup) {
      let out = parts[0] as string;
      for (let i = 1; i < parts.length; i += 2) {
        const value = lookup(parts[i] as string);
        if (value === undefined) return null;
        out += String(value) + (parts[i + 1] as string);
      }
      return out;
    },
  };
}

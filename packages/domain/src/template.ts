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
/** WhatsApp refuses a text longer than this (UTF-16 code units, as JavaScript counts). */
export const MAX_MESSAGE_LENGTH = 65_536;

/** A template reduced to what its rendered length and blankness depend on. */
export interface TemplateShape {
  /** Length of the text outside placeholders. */
  staticLength: number;
  /** Whether the text outside placeholders is only whitespace. */
  staticBlank: boolean;
  /** How many times each placeholder name occurs. */
  uses: ReadonlyMap<string, number>;
}

export function shapeOf(template: string): TemplateShape {
  const uses = new Map<string, number>();
  let placeholderLength = 0;
  for (const m of template.matchAll(PLACEHOLDER)) {
    const name = m[1] as string;
    uses.set(name, (uses.get(name) ?? 0) + 1);
    placeholderLength += m[0].length;
  }
  return {
    staticLength: template.length - placeholderLength,
    staticBlank: template.replace(PLACEHOLDER, '').trim() === '',
    uses,
  };
}

/**
 * The length `renderTemplate` would produce, without producing it: a template of 4 KB with a
 * placeholder used 800 times can render megabytes, so lengths are checked before any rendering.
 * Every placeholder must have a value.
 */
export function renderedLength(shape: TemplateShape, variables: TemplateVariables): number {
  let length = shape.staticLength;
  for (const [name, count] of shape.uses) length += count * String(variables[name]).length;
  return length;
}

/** Whether the rendered text would be only whitespace (every placeholder has a value). */
export function rendersBlank(shape: TemplateShape, variables: TemplateVariables): boolean {
  if (!shape.staticBlank) return false;
  for (const name of shape.uses.keys()) if (String(variables[name]).trim() !== '') return false;
  return true;
}

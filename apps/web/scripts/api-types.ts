import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/**
 * Turns Herald's own /openapi.json into the dashboard's API types (generated/api-schema.ts): one type
 * per component schema and, per operation, its path, query, body and success response. The file is
 * committed; a test regenerates it from the running gateway and fails when they differ, so the
 * page cannot drift from the API. Covers the JSON Schema subset zod-to-openapi emits.
 */
export const SCHEMA_FILE = fileURLToPath(new URL('../generated/api-schema.ts', import.meta.url));

type Json = Record<string, unknown>;
interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  schema?: Json;
}

const HEADER =
  "// Generated from Herald's /openapi.json by apps/web/scripts/api-types.ts. Do not edit:\n" +
  '// run `pnpm --filter @herald/web api-types <gateway url>`.\n';

export function renderApiTypes(document: Json): string {
  const components = ((document.components as Json)?.schemas ?? {}) as Record<string, Json>;
  const lines = [HEADER];
  for (const [name, schema] of Object.entries(components).sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`export type ${name} = ${toType(schema, 0)};\n`);
  }
  lines.push('export interface Paths {');
  const paths = (document.paths ?? {}) as Record<string, Record<string, Json>>;
  for (const [path, operations] of Object.entries(paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      lines.push(`  '${method.toUpperCase()} ${path}': {`);
      const parameters = (operation.parameters ?? []) as Parameter[];
      for (const where of ['path', 'query'] as const) {
        const own = parameters.filter((p) => p.in === where);
        const fields = own.map(
          (p) => `${key(p.name)}${p.required ? '' : '?'}: ${toType(p.schema ?? {}, 3)}`,
        );
        lines.push(`    ${where}: ${fields.length ? `{ ${fields.join('; ')} }` : 'never'};`);
      }
      lines.push(`    body: ${jsonSchemaOf(operation.requestBody as Json | undefined, 2)};`);
      lines.push(`    response: ${successSchema(operation.responses as Record<string, Json>)};`);
      lines.push('  };');
    }
  }
  lines.push('}\n');
  return lines.join('\n');
}

function successSchema(responses: Record<string, Json> = {}): string {
  const code = Object.keys(responses).find((c) => c.startsWith('2'));
  return code ? jsonSchemaOf(responses[code], 2) : 'never';
}

function jsonSchemaOf(holder: Json | undefined, depth: number): string {
  const content = holder?.content as Record<string, Json> | undefined;
  const json = content?.['application/json']?.schema as Json | undefined;
  if (json) return toType(json, depth);
  return content ? 'string' : 'never';
}

const key = (name: string) => (/^[A-Za-z_$][\w$]*$/.test(name) ? name : `'${name}'`);
const literal = (value: unknown) =>
  typeof value === 'string' ? `'${value.replaceAll("'", "\\'")}'` : JSON.stringify(value);

export function toType(schema: Json, depth: number): string {
  if (typeof schema.$ref === 'string') return schema.$ref.split('/').pop() as string;
  if (Array.isArray(schema.enum)) return schema.enum.map(literal).join(' | ');
  if ('const' in schema) return literal(schema.const);
  for (const [keyword, glue] of [
    ['anyOf', ' | '],
    ['oneOf', ' | '],
    ['allOf', ' & '],
  ] as const) {
    const parts = schema[keyword];
    if (Array.isArray(parts)) return parts.map((p) => wrap(toType(p as Json, depth))).join(glue);
  }
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  return types.map((t) => typeOf(String(t), schema, depth)).join(' | ');
}

function typeOf(type: string, schema: Json, depth: number): string {
  switch (type) {
    case 'string':
    case 'boolean':
    case 'null':
      return type;
    case 'number':
    case 'integer':
      return 'number';
    case 'array':
      return `${wrap(toType((schema.items as Json) ?? {}, depth))}[]`;
    case 'object':
      return objectType(schema, depth);
    default:
      return 'unknown';
  }
}

function objectType(schema: Json, depth: number): string {
  const properties = (schema.properties ?? {}) as Record<string, Json>;
  const required = new Set((schema.required ?? []) as string[]);
  const pad = '  '.repeat(depth + 1);
  const fields = Object.entries(properties).map(
    ([name, s]) => `${pad}${key(name)}${required.has(name) ? '' : '?'}: ${toType(s, depth + 1)};`,
  );
  const extra = schema.additionalProperties;
  if (extra && typeof extra === 'object') {
    fields.push(`${pad}[key: string]: ${toType(extra as Json, depth + 1)};`);
  } else if (fields.length === 0) {
    return 'Record<string, unknown>';
  }
  return `{\n${fields.join('\n')}\n${'  '.repeat(depth)}}`;
}

const wrap = (type: string) => (/[|&]/.test(type) && !type.startsWith('{') ? `(${type})` : type);

/** `api-types <gateway url>`: fetches /openapi.json and rewrites generated/api-schema.ts. */
if (import.meta.url === `file://${process.argv[1]}`) {
  const base = process.argv[2] ?? 'http://127.0.0.1:8000';
  const response = await fetch(new URL('/openapi.json', base));
  if (!response.ok) throw new Error(`${base}/openapi.json answered ${response.status}`);
  await writeFile(SCHEMA_FILE, renderApiTypes((await response.json()) as Json));
}

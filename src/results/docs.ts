/**
 * reports/README.md's field tables, generated from the zod schemas (their `.describe()` texts),
 * so the documentation cannot drift from what is written and read. `npm run docs:results` writes
 * them; a unit test fails when the README is not what this module generates.
 */
import { z } from 'zod';
import { RESULT_KINDS } from './kinds.ts';
import type { ResultKind } from './kinds.ts';

export interface FieldDoc {
  /** Dotted path; `[]` marks an array's elements, `{}` a record's values. */
  path: string;
  type: string;
  description: string;
}

function unwrap(schema: z.ZodTypeAny): { inner: z.ZodTypeAny; optional: boolean; nullable: boolean; description: string } {
  let inner = schema;
  let optional = false;
  let nullable = false;
  let description = schema.description ?? '';
  for (;;) {
    if (inner instanceof z.ZodOptional) optional = true;
    else if (inner instanceof z.ZodNullable) nullable = true;
    else if (!(inner instanceof z.ZodDefault)) break;
    inner = (inner._def as { innerType: z.ZodTypeAny }).innerType;
    description ||= inner.description ?? '';
  }
  return { inner, optional, nullable, description };
}

function typeName(s: z.ZodTypeAny): string {
  if (s instanceof z.ZodString) return 'string';
  if (s instanceof z.ZodNumber) return s.isInt ? 'integer' : 'number';
  if (s instanceof z.ZodBoolean) return 'boolean';
  if (s instanceof z.ZodLiteral) return JSON.stringify(s.value);
  if (s instanceof z.ZodEnum) return (s.options as string[]).map((o) => JSON.stringify(o)).join(' \\| ');
  if (s instanceof z.ZodObject) return 'object';
  if (s instanceof z.ZodArray) return `${typeName(unwrap(s.element).inner)}[]`;
  if (s instanceof z.ZodRecord) return `{name: ${typeName(unwrap(s.valueSchema).inner)}}`;
  return 'any';
}

function walk(schema: z.ZodTypeAny, path: string, out: FieldDoc[]): void {
  const { inner, optional, nullable, description } = unwrap(schema);
  if (path) out.push({ path, type: `${typeName(inner)}${nullable ? ' \\| null' : ''}${optional ? ' (optional)' : ''}`, description });
  const child = (key: string): string => (path ? `${path}.${key}` : key);
  if (inner instanceof z.ZodObject) {
    for (const [key, value] of Object.entries(inner.shape as Record<string, z.ZodTypeAny>)) walk(value, child(key), out);
  } else if (inner instanceof z.ZodArray) {
    const el = unwrap(inner.element).inner;
    if (el instanceof z.ZodObject) for (const [key, value] of Object.entries(el.shape as Record<string, z.ZodTypeAny>)) walk(value, `${path}[].${key}`, out);
  } else if (inner instanceof z.ZodRecord) {
    const v = unwrap(inner.valueSchema).inner;
    if (v instanceof z.ZodObject) for (const [key, value] of Object.entries(v.shape as Record<string, z.ZodTypeAny>)) walk(value, `${path}{}.${key}`, out);
  }
}

export function fieldDocs(kind: ResultKind): FieldDoc[] {
  const out: FieldDoc[] = [];
  walk(RESULT_KINDS[kind].parser as unknown as z.ZodTypeAny, '', out);
  return out;
}

export function fieldTable(kind: ResultKind): string {
  const rows = fieldDocs(kind).map((f) => `| \`${f.path}\` | ${f.type} | ${f.description} |`);
  return ['| field | type | meaning |', '|---|---|---|', ...rows].join('\n');
}

const marker = (kind: ResultKind, end: 'begin' | 'end'): string => `<!-- generated: results fields ${kind} ${end} (npm run docs:results) -->`;

/** The README with every kind's table between its markers replaced by the generated one. */
export function withGeneratedTables(readme: string): string {
  let out = readme;
  for (const kind of Object.keys(RESULT_KINDS) as ResultKind[]) {
    const begin = marker(kind, 'begin');
    const end = marker(kind, 'end');
    const i = out.indexOf(begin);
    const j = out.indexOf(end);
    if (i < 0 || j < i) throw new Error(`reports/README.md has no "${begin}" … "${end}" block for ${kind}`);
    out = `${out.slice(0, i + begin.length)}\n${fieldTable(kind)}\n${out.slice(j)}`;
  }
  return out;
}

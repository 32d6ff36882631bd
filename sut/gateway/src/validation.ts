import type { FastifySchemaValidationError } from 'fastify/types/schema.js';

/**
 * Turns Ajv's errors into one message that says what is wrong and where
 * (`body/query_vector must NOT have fewer than 1 items; body has unknown property 'vectr'`).
 */
export function formatValidationErrors(errors: FastifySchemaValidationError[], dataVar: string): Error {
  const messages: string[] = [];
  for (const e of errors) {
    const where = `${dataVar}${e.instancePath}`;
    const params = e.params as Record<string, unknown>;
    let m: string;
    if (e.keyword === 'additionalProperties') m = `${where} has unknown property '${String(params.additionalProperty)}'`;
    else if (e.keyword === 'required') m = `${where} must have property '${String(params.missingProperty)}'`;
    else if (e.keyword === 'oneOf' && e.instancePath === '') m = `${where} must have exactly one of 'collection' or 'model'`;
    else if (e.keyword === 'anyOf' && /\/id$|\/ids\/\d+$/.test(e.instancePath)) m = `${where} must be a non-negative integer or a UUID`;
    else if (e.keyword === 'type' && params.type === 'number') m = `${where} must be a finite number`;
    else if (e.keyword === 'maximum' || e.keyword === 'minimum') m = `${where} ${e.message ?? 'is out of range'}`;
    else m = `${where} ${e.message ?? 'is invalid'}`;
    // oneOf/anyOf also report each branch's failure; the summary above is enough
    if (!messages.includes(m)) messages.push(m);
  }
  const filtered = messages.filter((m) => !/must have property '(collection|model)'$/.test(m) || !messages.some((x) => x.includes("exactly one of 'collection'")));
  const err = new Error(filtered.slice(0, 5).join('; ')) as Error & { validation: unknown; statusCode: number };
  err.validation = errors;
  err.statusCode = 400;
  return err;
}

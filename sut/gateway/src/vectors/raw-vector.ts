/**
 * The query vector of a search body as the client wrote it, so that the search to Qdrant can
 * carry that text instead of the vector formatted anew: formatting 128 or more floats as JSON
 * was the dearest single step of an uncached search (more than parsing them).
 *
 * It is only used when it is certain to be the vector the gateway parsed and checked:
 * - the body has no backslash, so no string in it has an escape: every `"` delimits a string,
 *   and the top-level key can only be written `"query_vector"`;
 * - that token occurs exactly once, followed by `:` and `[`: then it is the top-level key (any
 *   other key of that name, in a filter, would be a second occurrence);
 * - the array's text has as many elements as the parsed vector (its elements are numbers, which
 *   hold no `,` or `]`, as the body schema and checkVector made sure).
 * Anything else (escapes, a filter key of the same name, GraphQL, a batch) gets null: the vector
 * is then formatted as before.
 */
const KEY = '"query_vector"';

const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

function skipSpace(text: string, i: number): number {
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  return i;
}

/** The text between the brackets of the body's top-level `query_vector`, or null (see above). */
export function rawQueryVector(body: string, length: number): string | null {
  if (body.indexOf('\\') !== -1) return null;
  const at = body.indexOf(KEY);
  if (at === -1 || body.indexOf(KEY, at + KEY.length) !== -1) return null;
  let i = skipSpace(body, at + KEY.length);
  if (body.charCodeAt(i) !== 0x3a /* : */) return null;
  i = skipSpace(body, i + 1);
  if (body.charCodeAt(i) !== 0x5b /* [ */) return null;
  const end = body.indexOf(']', i);
  if (end === -1) return null;
  let elements = 0;
  for (let c = body.indexOf(',', i); c !== -1 && c < end; c = body.indexOf(',', c + 1)) elements++;
  const text = body.slice(i + 1, end);
  elements = skipSpace(text, 0) === text.length ? 0 : elements + 1;
  return elements === length ? text : null;
}

// Module hooks run after tsx's: the gateway's routes/vectors.ts, as tsx compiled it, gets a
// preValidation hook on the search route that throws (an internal error, 500) when query_vector
// is a string or an empty array (one malformed shape, which schemathesis's coverage phase sends
// within seconds: a wrong type and a below-minItems value of each property). A load that finds nothing to plant in throws, so the test cannot pass on a gateway
// that runs without the bug.
const TARGET = /\/sut\/gateway\/src\/routes\/vectors\.ts$/;
const ROUTE = /(["'])\/api\/v1\/vectors\/search\1,\s*\{/;
const PLANT =
  'preValidation: async (req) => { const v = req.body && req.body.query_vector; if (typeof v === "string" || (Array.isArray(v) && v.length === 0)) throw new Error("planted bug: a malformed query_vector"); },';

export async function load(url, context, nextLoad) {
  const loaded = await nextLoad(url, context);
  if (!TARGET.test(new URL(url).pathname)) return loaded;
  const source = typeof loaded.source === 'string' ? loaded.source : Buffer.from(loaded.source).toString('utf8');
  if (!ROUTE.test(source)) throw new Error(`plant-bug: the search route of ${url} was not found in its compiled source`);
  return { ...loaded, source: source.replace(ROUTE, (m) => `${m} ${PLANT}`) };
}

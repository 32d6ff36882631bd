// `node --import tsx --import ./plant-bug.mjs sut/gateway/src/server.ts`: the reference gateway
// with one planted bug, for the fuzz test only (the gateway's source is not changed): a search
// body whose `query_vector` is a string or an empty array answers 500 instead of 400.
import { register } from 'node:module';

register('./plant-bug-hooks.mjs', import.meta.url);

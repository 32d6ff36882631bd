export { RawHttpClient, encodeRequest, encodeWithHead, headerLines } from './client.ts';
export { RawConnection, codedError } from './connection.ts';
export type { RawDone } from './connection.ts';
export { RawHttpPool } from './pool.ts';
export type { RawAnswer } from './pool.ts';
export { HttpParseError, ResponseParser } from './response-parser.ts';

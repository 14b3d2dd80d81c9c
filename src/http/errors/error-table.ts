/**
 * The one table of how domain error kinds are spoken on the wire: the OCI/Docker error code,
 * the HTTP status and the code's standard message. `Record<ErrorKind, …>` makes the compiler
 * refuse a kind without a row. docs/errors.md is checked against this table by a test.
 */
import type { ErrorKind } from '../../core/errors.js';

export interface WireError {
  code: string;
  status: number;
  message: string;
}

export const errorTable: Readonly<Record<ErrorKind, WireError>> = {
  'blob-unknown': { code: 'BLOB_UNKNOWN', status: 404, message: 'blob unknown to registry' },
  'blob-upload-invalid': { code: 'BLOB_UPLOAD_INVALID', status: 400, message: 'blob upload invalid' },
  'blob-upload-unknown': { code: 'BLOB_UPLOAD_UNKNOWN', status: 404, message: 'blob upload unknown to registry' },
  'digest-invalid': { code: 'DIGEST_INVALID', status: 400, message: 'provided digest did not match uploaded content' },
  'manifest-blob-unknown': { code: 'MANIFEST_BLOB_UNKNOWN', status: 400, message: 'manifest references a manifest or blob unknown to registry' },
  'manifest-invalid': { code: 'MANIFEST_INVALID', status: 400, message: 'manifest invalid' },
  'manifest-unknown': { code: 'MANIFEST_UNKNOWN', status: 404, message: 'manifest unknown to registry' },
  'manifest-too-large': { code: 'SIZE_INVALID', status: 413, message: 'manifest exceeds the size limit' },
  'name-invalid': { code: 'NAME_INVALID', status: 400, message: 'invalid repository name' },
  'name-unknown': { code: 'NAME_UNKNOWN', status: 404, message: 'repository name not known to registry' },
  'tag-invalid': { code: 'TAG_INVALID', status: 400, message: 'manifest tag did not match URI' },
  'size-invalid': { code: 'SIZE_INVALID', status: 400, message: 'provided length did not match content length' },
  'range-invalid': { code: 'BLOB_UPLOAD_INVALID', status: 416, message: 'requested range not satisfiable' },
  'pagination-invalid': { code: 'PAGINATION_NUMBER_INVALID', status: 400, message: 'invalid number of results requested' },
  unsupported: { code: 'UNSUPPORTED', status: 405, message: 'the operation is unsupported' },
  unauthorized: { code: 'UNAUTHORIZED', status: 401, message: 'authentication required' },
  denied: { code: 'DENIED', status: 403, message: 'requested access to the resource is denied' },
  'too-many-requests': { code: 'TOOMANYREQUESTS', status: 429, message: 'too many requests' },
  // 507 Insufficient Storage (RFC 4918): a server-side condition the client can only retry later.
  'storage-full': { code: 'STORAGE_FULL', status: 507, message: "the registry's storage is full" },
  // 503: the request may be fine; the server cannot answer it until its operator fixes something.
  unavailable: { code: 'UNAVAILABLE', status: 503, message: 'the registry cannot serve this request right now' },
  'not-found': { code: 'NOT_FOUND', status: 404, message: 'no such user, project, robot account or token' },
  conflict: { code: 'CONFLICT', status: 409, message: 'the request conflicts with the current state' },
  'invalid-input': { code: 'BAD_REQUEST', status: 400, message: 'the request is malformed or a value is invalid' },
};

/** Errors the edge raises itself, before any use case runs (routing, framing). */
export const edgeErrors = {
  notFound: { code: 'NOT_FOUND', status: 404, message: 'no such endpoint' },
  methodNotAllowed: { code: 'UNSUPPORTED', status: 405, message: 'method not allowed on this endpoint' },
  unknown: { code: 'UNKNOWN', status: 500, message: 'unknown error' },
  unavailable: { code: 'UNAVAILABLE', status: 503, message: 'the server is at its connection limit' },
} as const satisfies Record<string, WireError>;

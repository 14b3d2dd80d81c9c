/**
 * Domain errors. Each carries a `kind` and never an HTTP status: the edge (http/errors)
 * decides how a kind is spoken on the wire. Adapters' errors are turned into these by core.
 */
export type ErrorKind =
  | 'blob-unknown'
  | 'blob-upload-invalid'
  | 'blob-upload-unknown'
  | 'digest-invalid'
  | 'manifest-blob-unknown'
  | 'manifest-invalid'
  | 'manifest-unknown'
  | 'manifest-too-large'
  | 'name-invalid'
  | 'name-unknown'
  | 'tag-invalid'
  | 'size-invalid'
  | 'range-invalid'
  | 'pagination-invalid'
  | 'unsupported'
  | 'unauthorized'
  | 'denied'
  | 'too-many-requests'
  // The blob store has no room left: an operator's problem, not the client's.
  | 'storage-full'
  // Something the registry needs (the htpasswd file) cannot be read: the operator must fix it.
  | 'unavailable'
  // Management of accounts and projects (users, robots, tokens, members), not the /v2 API.
  | 'not-found'
  | 'conflict'
  | 'invalid-input';

export class RegistryError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    /** Structured context for the client (the envelope's `detail`). */
    readonly detail?: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

function kindError(kind: ErrorKind, className: string) {
  const ctor = class extends RegistryError {
    constructor(message: string, detail?: unknown, options?: { cause?: unknown }) {
      super(kind, message, detail, options);
    }
  };
  Object.defineProperty(ctor, 'name', { value: className });
  return ctor;
}

export const BlobUnknownError = kindError('blob-unknown', 'BlobUnknownError');
export const BlobUploadInvalidError = kindError('blob-upload-invalid', 'BlobUploadInvalidError');
export const BlobUploadUnknownError = kindError('blob-upload-unknown', 'BlobUploadUnknownError');
export const DigestInvalidError = kindError('digest-invalid', 'DigestInvalidError');
export const ManifestBlobUnknownError = kindError('manifest-blob-unknown', 'ManifestBlobUnknownError');
export const ManifestInvalidError = kindError('manifest-invalid', 'ManifestInvalidError');
export const ManifestUnknownError = kindError('manifest-unknown', 'ManifestUnknownError');
export const ManifestTooLargeError = kindError('manifest-too-large', 'ManifestTooLargeError');
export const NameInvalidError = kindError('name-invalid', 'NameInvalidError');
export const NameUnknownError = kindError('name-unknown', 'NameUnknownError');
export const TagInvalidError = kindError('tag-invalid', 'TagInvalidError');
export const SizeInvalidError = kindError('size-invalid', 'SizeInvalidError');
export const RangeInvalidError = kindError('range-invalid', 'RangeInvalidError');
export const PaginationInvalidError = kindError('pagination-invalid', 'PaginationInvalidError');
export const UnsupportedError = kindError('unsupported', 'UnsupportedError');
export const UnauthorizedError = kindError('unauthorized', 'UnauthorizedError');
export const DeniedError = kindError('denied', 'DeniedError');
export const TooManyRequestsError = kindError('too-many-requests', 'TooManyRequestsError');
export const StorageFullError = kindError('storage-full', 'StorageFullError');
export const UnavailableError = kindError('unavailable', 'UnavailableError');
export const NotFoundError = kindError('not-found', 'NotFoundError');
export const ConflictError = kindError('conflict', 'ConflictError');
export const InvalidInputError = kindError('invalid-input', 'InvalidInputError');

// Each class is also a type, so a signature can name the error it returns or throws.
export type BlobUnknownError = InstanceType<typeof BlobUnknownError>;
export type BlobUploadInvalidError = InstanceType<typeof BlobUploadInvalidError>;
export type BlobUploadUnknownError = InstanceType<typeof BlobUploadUnknownError>;
export type DigestInvalidError = InstanceType<typeof DigestInvalidError>;
export type ManifestBlobUnknownError = InstanceType<typeof ManifestBlobUnknownError>;
export type ManifestInvalidError = InstanceType<typeof ManifestInvalidError>;
export type ManifestUnknownError = InstanceType<typeof ManifestUnknownError>;
export type ManifestTooLargeError = InstanceType<typeof ManifestTooLargeError>;
export type NameInvalidError = InstanceType<typeof NameInvalidError>;
export type NameUnknownError = InstanceType<typeof NameUnknownError>;
export type TagInvalidError = InstanceType<typeof TagInvalidError>;
export type SizeInvalidError = InstanceType<typeof SizeInvalidError>;
export type RangeInvalidError = InstanceType<typeof RangeInvalidError>;
export type PaginationInvalidError = InstanceType<typeof PaginationInvalidError>;
export type UnsupportedError = InstanceType<typeof UnsupportedError>;
export type UnauthorizedError = InstanceType<typeof UnauthorizedError>;
export type DeniedError = InstanceType<typeof DeniedError>;
export type TooManyRequestsError = InstanceType<typeof TooManyRequestsError>;
export type NotFoundError = InstanceType<typeof NotFoundError>;
export type ConflictError = InstanceType<typeof ConflictError>;
export type InvalidInputError = InstanceType<typeof InvalidInputError>;

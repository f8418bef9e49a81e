// The one error hierarchy of Slipway, and its single mapping to HTTP status and gRPC code.

/** gRPC status codes we map to (numbers from grpc/status.proto, kept here so core imports nothing). */
export const GrpcCode = {
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

/** Base of every error Slipway raises on purpose. `code` is stable and documented; `message` is for humans. */
export abstract class SlipwayError extends Error {
  abstract readonly code: string;
  abstract readonly httpStatus: number;
  abstract readonly grpcCode: number;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The thing named does not exist (model, version, alias, endpoint, output). */
export class NotFoundError extends SlipwayError {
  readonly code = 'not_found';
  readonly httpStatus = 404;
  readonly grpcCode = GrpcCode.NOT_FOUND;
}

/** The caller sent something we cannot accept; the message says what was expected. */
export class InvalidInputError extends SlipwayError {
  readonly code = 'invalid_input';
  readonly httpStatus = 400;
  readonly grpcCode = GrpcCode.INVALID_ARGUMENT;
}

/**
 * What a model needs to run is not on this host (a Python interpreter or module): the push is refused, and a bundled
 * example that needs it is skipped rather than stopping the server's start.
 */
export class RuntimeMissingError extends InvalidInputError {}

/** A body larger than the configured limit. */
export class PayloadTooLargeError extends SlipwayError {
  readonly code = 'payload_too_large';
  readonly httpStatus = 413;
  readonly grpcCode = GrpcCode.RESOURCE_EXHAUSTED;
}

/** The request conflicts with current state (e.g. removing a version an endpoint serves). */
export class ConflictError extends SlipwayError {
  readonly code = 'conflict';
  readonly httpStatus = 409;
  readonly grpcCode = GrpcCode.FAILED_PRECONDITION;
}

/** Too much work queued: the caller should retry later. */
export class OverloadedError extends SlipwayError {
  readonly code = 'overloaded';
  readonly httpStatus = 429;
  readonly grpcCode = GrpcCode.RESOURCE_EXHAUSTED;
  constructor(message: string, readonly retryAfterSeconds = 1) {
    super(message);
  }
}

/** The request's deadline passed before it could be answered. */
export class DeadlineExceededError extends SlipwayError {
  readonly code = 'deadline_exceeded';
  readonly httpStatus = 504;
  readonly grpcCode = GrpcCode.DEADLINE_EXCEEDED;
}

/** The thing exists but cannot serve right now (loading, shutting down). */
export class UnavailableError extends SlipwayError {
  readonly code = 'unavailable';
  readonly httpStatus = 503;
  readonly grpcCode = GrpcCode.UNAVAILABLE;
}

/**
 * The client went away (closed its connection, cancelled its call) before its request ran. The wire sees the same
 * unavailable status as before; serving counts it as 'cancelled', never as the model's failure. Every other failure to
 * answer, a dead worker thread included, counts as an error.
 */
export class CancelledError extends UnavailableError {}

/** Missing, unknown, expired or revoked credentials. */
export class UnauthenticatedError extends SlipwayError {
  readonly code = 'unauthenticated';
  readonly httpStatus = 401;
  readonly grpcCode = GrpcCode.UNAUTHENTICATED;
}

/** A known token that may no longer act (revoked, expired): its name is kept for the audit trail, never its secret. */
export class RefusedTokenError extends UnauthenticatedError {
  constructor(message: string, readonly tokenName: string) {
    super(message);
  }
}

/** Valid credentials whose scope does not cover what was asked; the message names the scope it needs. */
export class ForbiddenError extends SlipwayError {
  readonly code = 'forbidden';
  readonly httpStatus = 403;
  readonly grpcCode = GrpcCode.PERMISSION_DENIED;
}

/** A bug or an environment failure on our side; never used for a client's mistake. */
export class InternalError extends SlipwayError {
  readonly code = 'internal';
  readonly httpStatus = 500;
  readonly grpcCode = GrpcCode.INTERNAL;
}

/** Anything thrown becomes a SlipwayError; unknown errors are internal. */
export function asSlipwayError(err: unknown): SlipwayError {
  if (err instanceof SlipwayError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new InternalError(message, { cause: err });
}

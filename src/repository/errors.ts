/** What can go wrong with a repository, in words an operator can act on. */
import { OperationError, UsageError } from '../core/errors.ts';

export class RepositoryNotFound extends OperationError {}
export class WrongPassword extends OperationError {}
export class UnsupportedFormat extends OperationError {}
export class RepositoryDamaged extends OperationError {}
export class RepositoryLocked extends OperationError {}
export class AmbiguousId extends UsageError {}
export class SnapshotNotFound extends UsageError {}

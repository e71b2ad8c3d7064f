/** A storage operation that failed for good (after retries), in words that name where. */
import { OperationError } from '../core/errors.ts';

export class StorageError extends OperationError {}

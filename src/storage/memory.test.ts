import { backendConformance } from '../../test/helpers/backend-conformance.ts';
import { MemoryBackend } from './memory.ts';

backendConformance('memory', () => new MemoryBackend());

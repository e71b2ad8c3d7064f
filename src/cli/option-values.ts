/** Commander argument parsers for options that may be given more than once. */

/** `--tag a --tag b` → ['a', 'b']. */
export const repeated = (value: string, previous: string[]): string[] => [...previous, value];

/** `--include-namespaces a,b --include-namespaces c` → ['a', 'b', 'c']. */
export const commaSeparated = (value: string, previous: string[]): string[] => [...previous, ...value.split(',').map((v) => v.trim()).filter((v) => v !== '')];

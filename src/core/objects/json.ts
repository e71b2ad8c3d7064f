/** Small helpers for objects that came from JSON.parse (plain data, no prototypes). */

export type Json = Record<string, unknown>;

export const isJsonObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The nested object at `path`, or undefined when any step is missing or not an object. */
export function at(root: unknown, ...path: readonly string[]): Json | undefined {
  let here: unknown = root;
  for (const step of path) {
    if (!isJsonObject(here)) return undefined;
    here = here[step];
  }
  return isJsonObject(here) ? here : undefined;
}

/** The array at `path` as objects, or an empty list. */
export function listAt(root: unknown, ...path: readonly string[]): Json[] {
  const parent = path.length > 1 ? at(root, ...path.slice(0, -1)) : isJsonObject(root) ? root : undefined;
  const value = parent?.[path.at(-1)!];
  return Array.isArray(value) ? value.filter(isJsonObject) : [];
}

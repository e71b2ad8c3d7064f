/** A Kubernetes LabelSelector (matchLabels and matchExpressions) applied to a set of labels. */

export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly { readonly key: string; readonly operator: string; readonly values?: readonly string[] }[];
}

/** As the API defines it: every term must hold; an empty selector matches everything. */
export function selectorMatches(selector: LabelSelector | undefined, labels: Readonly<Record<string, string>> | undefined): boolean {
  if (selector === undefined) return false;
  const have = labels ?? {};
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) if (have[key] !== value) return false;
  for (const term of selector.matchExpressions ?? []) {
    const present = Object.hasOwn(have, term.key);
    const values = term.values ?? [];
    switch (term.operator) {
      case 'In':
        if (!present || !values.includes(have[term.key]!)) return false;
        break;
      case 'NotIn':
        if (present && values.includes(have[term.key]!)) return false;
        break;
      case 'Exists':
        if (!present) return false;
        break;
      case 'DoesNotExist':
        if (present) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

// @ts-check
/**
 * ESLint rule `strata/layers`: the layering of DESIGN.md, enforced. Each folder under src/
 * may import only from the layers listed for it (imports point down); one source never
 * imports another (sources/<a> ↛ sources/<b>); core/ does no I/O, so it imports no Node I/O
 * module and no client library.
 */
import { dirname, relative, resolve, sep } from 'node:path';

/** layer → the layers it may import from (besides itself). */
export const ALLOWED = {
  core: [],
  // External programs (rbd, etcdutl, hooks): process groups, time limits, stopped with Strata.
  programs: ['core'],
  storage: ['core'],
  kube: ['core', 'programs'],
  // The Docker Engine API (Swarm, MKE): a client beside kube/, used by sources.
  docker: ['core', 'programs'],
  repository: ['core', 'storage'],
  sources: ['core', 'programs', 'kube', 'docker', 'storage', 'repository'],
  scheduler: ['core', 'kube'],
  engine: ['core', 'programs', 'kube', 'docker', 'storage', 'repository', 'sources', 'scheduler'],
  server: ['core', 'programs', 'kube', 'docker', 'storage', 'repository', 'sources', 'scheduler', 'engine'],
  web: ['core', 'programs', 'kube', 'docker', 'storage', 'repository', 'sources', 'scheduler', 'engine'],
  cli: ['core', 'programs', 'kube', 'docker', 'storage', 'repository', 'sources', 'scheduler', 'engine', 'server', 'web'],
};

const CORE_FORBIDDEN = /^(node:)?(fs|fs\/promises|net|http|https|http2|child_process|dgram|dns|tls|worker_threads|cluster|os|readline)$|^@kubernetes\/|^@grpc\/|^@aws-sdk\/|^ssh2/;

/** @param {string} file absolute path @param {string} srcRoot */
function locate(file, srcRoot) {
  const rel = relative(srcRoot, file);
  if (rel.startsWith('..')) return undefined;
  const parts = rel.split(sep);
  const layer = parts[0];
  if (layer === undefined || !(layer in ALLOWED)) return undefined;
  // A source is sources/<name>/…; files directly in sources/ are the shared Source interface.
  const source = layer === 'sources' && parts.length > 2 ? parts[1] : undefined;
  return { layer, source };
}

/** @type {import('eslint').Rule.RuleModule} */
export const layersRule = {
  meta: {
    type: 'problem',
    docs: { description: 'imports point down the layers of DESIGN.md; sources do not import each other; core does no I/O' },
    schema: [],
    messages: {
      upward: "{{from}}/ may not import from {{to}}/ ({{spec}}): layers import only downward ({{allowed}}); see DESIGN.md 'Shape of the code'",
      crossSource: 'sources/{{from}} may not import sources/{{to}} ({{spec}}): sources are independent; move shared code down to sources/, repository/ or core/',
      coreIo: "core/ may not import {{spec}}: core/ is pure (no I/O); do the I/O in a layer above and pass the data in",
    },
  },
  create(context) {
    const file = context.filename;
    const srcRoot = resolve(context.cwd, 'src');
    const here = locate(file, srcRoot);
    if (here === undefined) return {};
    /** @param {any} node */
    const check = (node) => {
      const spec = node.source?.value;
      if (typeof spec !== 'string') return;
      if (!spec.startsWith('.')) {
        if (here.layer === 'core' && CORE_FORBIDDEN.test(spec)) context.report({ node, messageId: 'coreIo', data: { spec } });
        return;
      }
      const there = locate(resolve(dirname(file), spec), srcRoot);
      if (there === undefined) return;
      if (there.layer !== here.layer) {
        const allowed = ALLOWED[/** @type {keyof typeof ALLOWED} */ (here.layer)];
        if (!allowed.includes(there.layer)) {
          context.report({ node, messageId: 'upward', data: { from: here.layer, to: there.layer, spec, allowed: allowed.length ? `may use ${allowed.join(', ')}` : 'it may use none' } });
        }
      } else if (here.source !== undefined && there.source !== undefined && here.source !== there.source) {
        context.report({ node, messageId: 'crossSource', data: { from: here.source, to: there.source, spec } });
      }
    };
    return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check, ImportExpression: check };
  },
};

export default { rules: { layers: layersRule } };

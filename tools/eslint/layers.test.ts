/**
 * Proves the layering rule works inside the project's real ESLint configuration: the same
 * code passes or fails depending on the folder it sits in.
 */
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

// The snippets are not files of the TypeScript project, so type-aware rules are switched
// off for them; the layering rule and everything else come from eslint.config.js.
const eslint = new ESLint({ cwd: process.cwd(), overrideConfig: [tseslint.configs.disableTypeChecked] });

async function layerErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'strata/layers').map((m) => m.message);
}

describe('strata/layers', () => {
  it('fails a core/ file that imports from cli/', async () => {
    const errors = await layerErrors('src/core/example.ts', "import { buildProgram } from '../cli/program.ts';\nexport const p = buildProgram;\n");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('core/ may not import from cli/');
  });

  it('lets cli/ import from core/ and engine/', async () => {
    const code = "import { ExitCode } from '../core/errors.ts';\nimport { runDoctor } from '../engine/doctor/doctor.ts';\nexport const x = [ExitCode, runDoctor];\n";
    expect(await layerErrors('src/cli/example.ts', code)).toEqual([]);
  });

  it('fails storage/ importing repository/ (storage knows only bytes)', async () => {
    const errors = await layerErrors('src/storage/example.ts', "export * from '../repository/pack.ts';\n");
    expect(errors[0]).toContain('storage/ may not import from repository/');
  });

  it('fails one source importing another, but allows the shared sources/ interface', async () => {
    const cross = await layerErrors('src/sources/objects/example.ts', "import { hexId } from '../etcd/client.ts';\nexport const h = hexId;\n");
    expect(cross[0]).toContain('sources/objects may not import sources/etcd');
    expect(await layerErrors('src/sources/objects/example.ts', "export type { Source } from '../source.ts';\n")).toEqual([]);
  });

  it('fails Node I/O in core/', async () => {
    const errors = await layerErrors('src/core/example.ts', "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n");
    expect(errors[0]).toContain('core/ may not import node:fs');
  });

  it('checks dynamic imports too', async () => {
    const errors = await layerErrors('src/kube/example.ts', "export const load = () => import('../engine/doctor/doctor.ts');\n");
    expect(errors[0]).toContain('kube/ may not import from engine/');
  });
});

// Lint: TypeScript sources, plus the layering rule of DESIGN.md section 2.
import path from 'node:path';
import tseslint from 'typescript-eslint';

const SRC = path.resolve('src');

/** Which areas each area may import from ('*' = any). */
const ALLOWED = {
  core: ['core'],
  api: ['api', 'core'],
  cli: ['cli', 'core'],
  daemon: ['*'],
  test: ['*'],
};
const FORBIDDEN_FOR_SERVICES = ['api', 'cli', 'daemon', 'test'];

function areaOf(file) {
  const rel = path.relative(SRC, file);
  if (rel.startsWith('..')) return null;
  return rel.split(path.sep)[0];
}

const layering = {
  rules: {
    'import-direction': {
      meta: { type: 'problem', schema: [] },
      create(context) {
        const from = areaOf(context.filename);
        const check = (node) => {
          const spec = node.source?.value;
          if (!from || typeof spec !== 'string' || !spec.startsWith('.')) return;
          const to = areaOf(path.resolve(path.dirname(context.filename), spec));
          if (!to || to === from) return;
          const allowed = ALLOWED[from];
          const ok = allowed ? allowed.includes('*') || allowed.includes(to) : !FORBIDDEN_FOR_SERVICES.includes(to);
          if (!ok) context.report({ node, message: `layering: src/${from}/ must not import src/${to}/ (DESIGN.md section 2)` });
        };
        return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check, ImportExpression: check };
      },
    },
  },
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/**', 'bin/**'] },
  {
    files: ['src/**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    plugins: { berth: layering },
    rules: {
      'berth/import-direction': 'error',
    },
  },
);

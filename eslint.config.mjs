import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeGlobals = {
  require: 'readonly', module: 'writable', process: 'readonly', __dirname: 'readonly', __filename: 'readonly',
  console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly',
  clearInterval: 'readonly', URL: 'readonly', fetch: 'readonly', performance: 'readonly', AbortController: 'readonly',
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-results/**', '.cache/**', 'out/**', 'eslint.config.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }] }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // `import vscode = require('vscode')`: an ES namespace import makes the bundle copy the whole API object into
      // a namespace per file (__toESM), which was most of the extension's loading time.
      '@typescript-eslint/no-require-imports': ['error', { allow: ['^vscode$'] }],
      'no-restricted-imports': ['error', { paths: [{ name: 'child_process', importNames: ['exec', 'execSync'], message: 'Run programs with argv arrays (execFile/spawn), never a shell string.' }, { name: 'node:child_process', importNames: ['exec', 'execSync'], message: 'Run programs with argv arrays (execFile/spawn), never a shell string.' }] }],
    },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { sourceType: 'commonjs', globals: nodeGlobals },
    rules: { '@typescript-eslint/no-require-imports': 'off', '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }] },
  },
  {
    files: ['src/core/**/*.ts', 'src/cli/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: 'src/core and src/cli never import vscode.' }, { name: 'node:child_process', importNames: ['exec', 'execSync'], message: 'Run programs with argv arrays.' }] }] },
  },
);

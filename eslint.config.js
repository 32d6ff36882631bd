import js from '@eslint/js';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

// The suite and the reference system under test (sut/) meet only over HTTP and through the
// launcher starting processes; shared code is a package of its own (packages/), imported by name.
const SUITE = ['./src', './readiness', './fixtures', './scenarios', './reports', './test', './scripts'];
const PARTS = { suite: SUITE, gateway: ['./sut/gateway'], qdrantLocal: ['./sut/qdrant-local'], rawHttp: ['./packages/raw-http'], procStat: ['./packages/proc-stat'], localProcess: ['./packages/local-process'] };
const others = (name) => Object.entries(PARTS).filter(([n]) => n !== name).flatMap(([, dirs]) => dirs);
const zone = (name, message) => ({ target: PARTS[name], from: others(name), message });

export default tseslint.config(
  { ignores: ['node_modules/', 'reports/out/', '.stack/', 'dist/', '**/*.py', '**/.venv/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', performance: 'readonly', fetch: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', structuredClone: 'readonly', setImmediate: 'readonly' },
    },
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver': { node: { extensions: ['.ts', '.js', '.mjs'] } } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
      'import-x/no-restricted-paths': ['error', {
        zones: [
          zone('suite', 'the suite reaches the reference stack over HTTP or by starting its processes, never by importing its files; shared code goes in packages/ and is imported by name'),
          zone('gateway', 'the reference gateway imports only its own files and packages by name (never the suite, qdrant-local or a package by path)'),
          zone('qdrantLocal', 'qdrant-local imports only its own files and packages by name'),
          zone('rawHttp', 'packages/raw-http imports only its own files'),
          zone('procStat', 'packages/proc-stat imports only its own files'),
          zone('localProcess', 'packages/local-process imports only its own files and packages by name'),
        ],
      }],
    },
  },
  {
    files: ['src/**', 'readiness/**', 'fixtures/**', 'scenarios/**', 'reports/**', 'test/**', 'scripts/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['@vdb-readiness/gateway', '@vdb-readiness/gateway/*'], message: 'the suite never imports the reference gateway: talk to it over HTTP' }] }],
    },
  },
);

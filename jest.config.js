// Jest runs the TypeScript tests straight from src/ through ts-jest; tests that start child
// processes (CLI, exit paths, Workers) use the compiled dist/, which `pretest` rebuilds.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Every file must end the green threads it started (see the file).
  setupFilesAfterEnv: ['<rootDir>/test/setup/no-leftover-threads.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/test/tsconfig.json' }] },
  testTimeout: 60000,
  // Child-process and thread-heavy tests share two vCPUs; two jest workers keep them from
  // starving each other.
  maxWorkers: 2,
};

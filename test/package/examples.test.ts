// Every script in examples/ runs to completion: exit code 0, nothing on stderr.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { root } from '../helpers';

const dir = path.join(root, 'examples');
const examples = fs.readdirSync(dir).filter((name) => /\.(c?js|mjs)$/.test(name));

test('there are examples', () => {
  expect(examples.length).toBeGreaterThan(0);
});

test.each(examples)('examples/%s runs cleanly', (name) => {
  const result = spawnSync(process.execPath, [path.join(dir, name)], { cwd: root, encoding: 'utf8', timeout: 30000 });
  expect(result.stderr).toBe('');
  expect(result.signal).toBeNull();
  expect(result.status).toBe(0);
  expect(result.stdout.length).toBeGreaterThan(0);
});

// The green fs functions that take or give an fd, case by case against the originals: openSync
// and closeSync, readSync/writeSync/readvSync/writevSync in every argument shape (into and
// from the caller's buffer), and the f* calls — results, errors and what is left on disk.
import * as fs from 'node:fs';
import { type FsCase, type Place, removeFixtures, runCase } from '../fixtures/patch-fs/table';

afterAll(removeFixtures);

const uid = process.getuid?.() ?? 0;
const gid = process.getgid?.() ?? 0;

/** ctx.fd: f.txt ('hello\n') open r+; ctx.ro: open read-only; ctx.dir: the directory d. */
function fds(at: Place): void {
  at.ctx.fd = fs.openSync(at.p('f.txt'), 'r+');
  at.ctx.ro = fs.openSync(at.p('f.txt'), 'r');
  at.ctx.dir = fs.openSync(at.p('d'), 'r');
}
const fd = (at: Place): number => at.ctx.fd as number;
/** What was read: the count and the caller's buffer. */
const intoBuffer = (value: unknown, args: unknown[]): unknown => [value, Buffer.from((args[1] as ArrayBufferView).buffer).toString('latin1')];
const intoBuffers = (value: unknown, args: unknown[]): unknown => [value, (args[1] as Buffer[]).map((b) => b.toString('latin1'))];
/** What an fd returned by openSync is, then closes it. */
const openedFd = (value: unknown): unknown => {
  const st = fs.fstatSync(value as number);
  fs.closeSync(value as number);
  return { type: typeof value, size: st.size, file: st.isFile() };
};
const codeOf = (fn: () => unknown): unknown => {
  try { return fn(); } catch (error) { return (error as { code?: unknown }).code; }
};

const buf = (n = 10): Buffer => Buffer.alloc(n, 0x2e);

const cases: FsCase[] = [
  // openSync, closeSync
  { title: 'read', fn: 'openSync', args: (at) => [at.p('f.txt')], suspends: true, view: openedFd },
  { title: 'w truncates', fn: 'openSync', args: (at) => [at.p('f.txt'), 'w'], suspends: true, view: openedFd },
  { title: 'number flags, mode', fn: 'openSync', args: (at) => [at.p('new'), fs.constants.O_CREAT | fs.constants.O_WRONLY, 0o640], suspends: true, view: openedFd },
  { title: 'ENOENT', fn: 'openSync', args: (at) => [at.p('nope')], suspends: true },
  { title: 'EEXIST', fn: 'openSync', args: (at) => [at.p('f.txt'), 'wx'], suspends: true },
  { title: 'EISDIR', fn: 'openSync', args: (at) => [at.p('d'), 'w'], suspends: true },
  { title: 'ENOTDIR', fn: 'openSync', args: (at) => [at.p('f.txt/x')], suspends: true },
  { title: 'bad flags', fn: 'openSync', args: (at) => [at.p('f.txt'), 'bogus'], suspends: false },
  { title: 'bad mode', fn: 'openSync', args: (at) => [at.p('f.txt'), 'r', 'x'], suspends: false },
  { title: 'an fd', fn: 'closeSync', setup: fds, args: (at) => [fd(at)], suspends: true, view: (v, args) => [v, codeOf(() => fs.fstatSync(args[0] as number))] },
  { title: 'EBADF', fn: 'closeSync', args: () => [987654], suspends: true },
  { title: 'bad fd', fn: 'closeSync', args: () => ['3'], suspends: false },
  // readSync
  ...([
    ['positional', (at: Place) => [fd(at), buf(), 0, 5, 0]],
    ['offset, length, null position', (at: Place) => [fd(at), buf(), 2, 3, null]],
    ['bigint position', (at: Place) => [fd(at), buf(), 0, 4, 1n]],
    ['no position (current)', (at: Place) => [fd(at), buf(), 1, 6]],
    ['options', (at: Place) => [fd(at), buf(), { offset: 1, length: 3, position: 1 }]],
    ['options without length', (at: Place) => [fd(at), buf(), { offset: 4 }]],
    ['buffer only', (at: Place) => [fd(at), buf()]],
    ['null options', (at: Place) => [fd(at), buf(), null]],
    ['null offset with length (the options branch)', (at: Place) => [fd(at), buf(), null, 2, 0]],
    ['options object with length and position after it', (at: Place) => [fd(at), buf(), { length: 2 }, 5, 3]],
    ['Uint8Array', (at: Place) => [fd(at), new Uint8Array(4), 0, 4, 0]],
    ['DataView', (at: Place) => [fd(at), new DataView(new ArrayBuffer(4)), 0, 4, 0]],
    ['length 0', (at: Place) => [fd(at), buf(), 0, 0, 0]],
    ['past the end', (at: Place) => [fd(at), buf(), 0, 5, 100]],
  ] as const).map(([title, args]) => (
    { title, fn: 'readSync', setup: fds, args, suspends: true, view: intoBuffer } as FsCase)),
  { title: 'EISDIR', fn: 'readSync', setup: fds, args: (at) => [at.ctx.dir, buf(), 0, 5, 0], suspends: true },
  { title: 'EBADF', fn: 'readSync', args: () => [987654, buf(), 0, 5, 0], suspends: true },
  { title: 'EBADF (write-only)', fn: 'readSync', setup: (at) => { at.ctx.wo = fs.openSync(at.p('f.txt'), 'a'); }, args: (at) => [at.ctx.wo, buf(), 0, 5, 0], suspends: true },
  { title: 'length past the buffer', fn: 'readSync', setup: fds, args: (at) => [fd(at), buf(), 0, 20, 0], suspends: false },
  { title: 'negative offset', fn: 'readSync', setup: fds, args: (at) => [fd(at), buf(), -1, 2, 0], suspends: false },
  { title: 'fractional offset', fn: 'readSync', setup: fds, args: (at) => [fd(at), buf(), 1.5, 2, 0], suspends: false },
  { title: 'empty buffer', fn: 'readSync', setup: fds, args: (at) => [fd(at), Buffer.alloc(0), 0, 1, 0], suspends: false },
  { title: 'bad position', fn: 'readSync', setup: fds, args: (at) => [fd(at), buf(), 0, 2, 'x'], suspends: false },
  { title: 'not a buffer', fn: 'readSync', setup: fds, args: (at) => [fd(at), 'abc', 0, 2, 0], suspends: false },
  { title: 'array options', fn: 'readSync', setup: fds, args: (at) => [fd(at), buf(), []], suspends: false },
  { title: 'bad fd', fn: 'readSync', args: () => [-1, buf(), 0, 2, 0], suspends: false },
  // writeSync
  ...([
    ['Buffer', (at: Place) => [fd(at), Buffer.from('HEY')]],
    ['Buffer offset length', (at: Place) => [fd(at), Buffer.from('abcdef'), 1, 3]],
    ['Buffer offset length position', (at: Place) => [fd(at), Buffer.from('abcdef'), 1, 3, 4]],
    ['Buffer null position', (at: Place) => [fd(at), Buffer.from('abcdef'), 0, 2, null]],
    ['Buffer options', (at: Place) => [fd(at), Buffer.from('abcdef'), { offset: 2, length: 2, position: 1 }]],
    ['Buffer options partial', (at: Place) => [fd(at), Buffer.from('abcdef'), { position: 2 }]],
    ['Buffer null options', (at: Place) => [fd(at), Buffer.from('abcdef'), null]],
    ['Buffer undefined offset', (at: Place) => [fd(at), Buffer.from('abcdef'), undefined, 2, 1]],
    ['Uint16Array', (at: Place) => [fd(at), new Uint16Array([0x4142])]],
    ['string', (at: Place) => [fd(at), 'str']],
    ['string position', (at: Place) => [fd(at), 'str', 3]],
    ['string null position, encoding', (at: Place) => [fd(at), 'héllo', null, 'latin1']],
    ['string position, hex', (at: Place) => [fd(at), '4142', 1, 'hex']],
    ['string non-number position', (at: Place) => [fd(at), 'zz', '1']],
    ['empty string', (at: Place) => [fd(at), '']],
  ] as const).map(([title, args]) => ({ title, fn: 'writeSync', setup: fds, args, suspends: true } as FsCase)),
  { title: 'EBADF (read-only)', fn: 'writeSync', setup: fds, args: (at) => [at.ctx.ro, 'x'], suspends: true },
  { title: 'EBADF', fn: 'writeSync', args: () => [987654, Buffer.from('x')], suspends: true },
  { title: 'EISDIR', fn: 'writeSync', setup: fds, args: (at) => [at.ctx.dir, 'x'], suspends: true },
  { title: 'offset past the buffer', fn: 'writeSync', setup: fds, args: (at) => [fd(at), Buffer.from('ab'), 5], suspends: false },
  { title: 'length past the buffer', fn: 'writeSync', setup: fds, args: (at) => [fd(at), Buffer.from('ab'), 0, 5], suspends: false },
  { title: 'string offset', fn: 'writeSync', setup: fds, args: (at) => [fd(at), Buffer.from('abcdef'), '2', 2], suspends: false },
  { title: 'bigint position', fn: 'writeSync', setup: fds, args: (at) => [fd(at), Buffer.from('ab'), 0, 2, 3n], suspends: false },
  { title: 'fractional offset', fn: 'writeSync', setup: fds, args: (at) => [fd(at), Buffer.from('abc'), 1.5, 1], suspends: false },
  { title: 'unknown encoding (utf8)', fn: 'writeSync', setup: fds, args: (at) => [fd(at), 'x', 0, 'bogus'], suspends: true },
  { title: 'odd hex', fn: 'writeSync', setup: fds, args: (at) => [fd(at), '414', 0, 'hex'], suspends: false },
  { title: 'Buffer string position', fn: 'writeSync', setup: fds, args: (at) => [fd(at), Buffer.from('ab'), 0, 2, '3'], suspends: false },
  { title: 'number data', fn: 'writeSync', setup: fds, args: (at) => [fd(at), 42], suspends: false },
  { title: 'bad fd', fn: 'writeSync', args: () => ['1', 'x'], suspends: false },
  // readvSync, writevSync
  { title: 'two buffers', fn: 'readvSync', setup: fds, args: (at) => [fd(at), [buf(2), buf(3)]], suspends: true, view: intoBuffers },
  { title: 'position', fn: 'readvSync', setup: fds, args: (at) => [fd(at), [buf(3)], 2], suspends: true, view: intoBuffers },
  { title: 'EBADF', fn: 'readvSync', args: () => [987654, [buf(2)]], suspends: true },
  { title: 'not an array', fn: 'readvSync', setup: fds, args: (at) => [fd(at), buf()], suspends: false },
  { title: 'two buffers', fn: 'writevSync', setup: fds, args: (at) => [fd(at), [Buffer.from('ab'), Buffer.from('cd')]], suspends: true },
  { title: 'position', fn: 'writevSync', setup: fds, args: (at) => [fd(at), [Buffer.from('XY')], 3], suspends: true },
  { title: 'null position', fn: 'writevSync', setup: fds, args: (at) => [fd(at), [Buffer.from('XY')], null], suspends: true },
  { title: 'EBADF', fn: 'writevSync', setup: fds, args: (at) => [at.ctx.ro, [Buffer.from('x')]], suspends: true },
  { title: 'strings', fn: 'writevSync', setup: fds, args: (at) => [fd(at), ['ab']], suspends: false },
  // fstatSync, ftruncateSync, fchmodSync, fchownSync, futimesSync, fsyncSync, fdatasyncSync
  { title: 'file', fn: 'fstatSync', setup: fds, args: (at) => [fd(at)], suspends: true, shared: true },
  { title: 'dir, bigint', fn: 'fstatSync', setup: fds, args: (at) => [at.ctx.dir, { bigint: true }], suspends: true, shared: true },
  { title: 'EBADF', fn: 'fstatSync', args: () => [987654], suspends: true },
  { title: 'null options', fn: 'fstatSync', setup: fds, args: (at) => [fd(at), null], suspends: false },
  { title: 'bad fd', fn: 'fstatSync', args: () => [null], suspends: false },
  { title: 'to 2', fn: 'ftruncateSync', setup: fds, args: (at) => [fd(at), 2], suspends: true },
  { title: 'to 0', fn: 'ftruncateSync', setup: fds, args: (at) => [fd(at)], suspends: true },
  { title: 'EINVAL (read-only)', fn: 'ftruncateSync', setup: fds, args: (at) => [at.ctx.ro, 1], suspends: true },
  { title: 'bad length', fn: 'ftruncateSync', setup: fds, args: (at) => [fd(at), 'x'], suspends: false },
  { title: 'mode', fn: 'fchmodSync', setup: fds, args: (at) => [fd(at), 0o600], suspends: true },
  { title: 'EBADF', fn: 'fchmodSync', args: () => [987654, 0o600], suspends: true },
  { title: 'bad mode', fn: 'fchmodSync', setup: fds, args: (at) => [fd(at), 'x'], suspends: false },
  { title: 'own ids', fn: 'fchownSync', setup: fds, args: (at) => [fd(at), uid, gid], suspends: true },
  { title: 'EBADF', fn: 'fchownSync', args: () => [987654, uid, gid], suspends: true },
  { title: 'times', fn: 'futimesSync', setup: fds, args: (at) => [fd(at), 1000, 2000], suspends: true, times: ['f.txt'] },
  { title: 'EBADF', fn: 'futimesSync', args: () => [987654, 1, 2], suspends: true },
  { title: 'file', fn: 'fsyncSync', setup: fds, args: (at) => [fd(at)], suspends: true },
  { title: 'EBADF', fn: 'fsyncSync', args: () => [987654], suspends: true },
  { title: 'file', fn: 'fdatasyncSync', setup: fds, args: (at) => [fd(at)], suspends: true },
  { title: 'EBADF', fn: 'fdatasyncSync', args: () => [987654], suspends: true },
];

describe.each(cases.map((c) => [`${c.fn} ${c.title}`, c] as const))('%s', (_title, c) => {
  (c.skip === true ? test.skip : test)('the same as the original', async () => {
    const { original, green, suspended } = await runCase(c);
    expect(green.result).toEqual(original.result);
    expect(green.disk).toEqual(original.disk);
    expect(suspended).toBe(c.suspends);
  });
});

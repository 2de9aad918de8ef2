// The green fs functions that take paths, case by case against the originals: every result and
// error (ENOENT, EACCES, EISDIR, ENOTDIR, EEXIST, bad arguments) the same, the same left on
// disk, and the green call suspending its thread except where it is meant to call the original.
// EACCES from permission bits needs a non-root user: those cases are skipped when run as root
// (access(X_OK) of a file with no x bit still gives EACCES to root, and is always run).
import { pathToFileURL } from 'node:url';
import * as fs from 'node:fs';
import { type FsCase, isRoot, removeFixtures, runCase } from '../fixtures/patch-fs/table';

afterAll(removeFixtures);

const uid = process.getuid?.() ?? 0;
const gid = process.getgid?.() ?? 0;
const statfsView = (v: unknown): unknown => {
  const s = v as fs.StatsFs;
  return { class: s.constructor.name, type: s.type, bsize: s.bsize, blocks: s.blocks, files: s.files };
};
const unreadable = (at: { p(rel: string): string }): void => fs.chmodSync(at.p('f.txt'), 0o000);
const readOnlyDir = (at: { p(rel: string): string }): void => fs.chmodSync(at.p('d'), 0o555);

const cases: FsCase[] = [
  // readFileSync
  { title: 'Buffer', fn: 'readFileSync', args: (at) => [at.p('f.txt')], suspends: true, shared: true },
  { title: 'utf8', fn: 'readFileSync', args: (at) => [at.p('f.txt'), 'utf8'], suspends: true, shared: true },
  { title: 'options', fn: 'readFileSync', args: (at) => [at.p('f.txt'), { encoding: 'latin1', flag: 'r' }], suspends: true, shared: true },
  { title: 'Buffer path', fn: 'readFileSync', args: (at) => [Buffer.from(at.p('f.txt'))], suspends: true, shared: true },
  { title: 'URL path', fn: 'readFileSync', args: (at) => [pathToFileURL(at.p('f.txt')), 'base64'], suspends: true, shared: true },
  { title: 'ENOENT', fn: 'readFileSync', args: (at) => [at.p('nope'), 'utf8'], suspends: true },
  { title: 'EISDIR', fn: 'readFileSync', args: (at) => [at.p('d')], suspends: true },
  { title: 'EISDIR utf8', fn: 'readFileSync', args: (at) => [at.p('d'), 'utf8'], suspends: true },
  { title: 'ENOTDIR', fn: 'readFileSync', args: (at) => [at.p('f.txt/x')], suspends: true },
  { title: 'EEXIST (flag wx)', fn: 'readFileSync', args: (at) => [at.p('f.txt'), { flag: 'wx' }], suspends: true },
  { title: 'EACCES', fn: 'readFileSync', setup: unreadable, args: (at) => [at.p('f.txt')], suspends: true, skip: isRoot },
  { title: 'an fd (original)', fn: 'readFileSync', setup: (at) => { at.ctx.fd = fs.openSync(at.p('f.txt'), 'r'); }, args: (at) => [at.ctx.fd, 'utf8'], suspends: false },
  { title: 'a bad fd (original)', fn: 'readFileSync', args: () => [987654], suspends: false },
  { title: 'signal (original)', fn: 'readFileSync', args: (at) => [at.p('f.txt'), { signal: new AbortController().signal }], suspends: false },
  { title: 'bad path', fn: 'readFileSync', args: () => [{}], suspends: false },
  { title: 'bad encoding', fn: 'readFileSync', args: (at) => [at.p('f.txt'), { encoding: 'bogus' }], suspends: false },
  { title: 'null byte', fn: 'readFileSync', args: (at) => [at.p('f.txt\0')], suspends: false },
  // writeFileSync, appendFileSync
  { title: 'string', fn: 'writeFileSync', args: (at) => [at.p('new.txt'), 'data'], suspends: true },
  { title: 'Buffer over a file', fn: 'writeFileSync', args: (at) => [at.p('f.txt'), Buffer.from('xy')], suspends: true },
  { title: 'Uint16Array', fn: 'writeFileSync', args: (at) => [at.p('new.txt'), new Uint16Array([0x4142, 0x4344])], suspends: true },
  { title: 'DataView', fn: 'writeFileSync', args: (at) => [at.p('new.txt'), new DataView(Buffer.from('dv').buffer, 0, 2)], suspends: true },
  { title: 'encoding string', fn: 'writeFileSync', args: (at) => [at.p('new.txt'), 'héllo', 'latin1'], suspends: true },
  { title: 'flag a, mode', fn: 'writeFileSync', args: (at) => [at.p('f.txt'), 'more', { flag: 'a', mode: 0o600 }], suspends: true },
  { title: 'mode of a new file', fn: 'writeFileSync', args: (at) => [at.p('new.txt'), 'x', { mode: 0o600 }], suspends: true },
  { title: 'flush', fn: 'writeFileSync', args: (at) => [at.p('new.txt'), 'x', { flush: true }], suspends: true },
  { title: 'an fd', fn: 'writeFileSync', setup: (at) => { at.ctx.fd = fs.openSync(at.p('new.txt'), 'w'); }, args: (at) => [at.ctx.fd, 'to fd'], suspends: true },
  { title: 'EISDIR', fn: 'writeFileSync', args: (at) => [at.p('d'), 'x'], suspends: true },
  { title: 'ENOENT', fn: 'writeFileSync', args: (at) => [at.p('nope/x'), 'x'], suspends: true },
  { title: 'ENOTDIR', fn: 'writeFileSync', args: (at) => [at.p('f.txt/x'), 'x'], suspends: true },
  { title: 'EEXIST', fn: 'writeFileSync', args: (at) => [at.p('f.txt'), 'x', { flag: 'wx' }], suspends: true },
  { title: 'EACCES', fn: 'writeFileSync', setup: readOnlyDir, args: (at) => [at.p('d/new'), 'x'], suspends: true, skip: isRoot },
  { title: 'a bad fd', fn: 'writeFileSync', args: () => [987654, 'x'], suspends: true },
  { title: 'number data (original)', fn: 'writeFileSync', args: (at) => [at.p('new.txt'), 123], suspends: false },
  { title: 'object data (original)', fn: 'writeFileSync', args: (at) => [at.p('new.txt'), { toString: () => 'x' }], suspends: false },
  { title: 'bad encoding', fn: 'writeFileSync', args: (at) => [at.p('new.txt'), 'x', { encoding: 'bogus' }], suspends: false },
  { title: 'bad flush', fn: 'writeFileSync', args: (at) => [at.p('new.txt'), 'x', { flush: 'yes' }], suspends: false },
  { title: 'string', fn: 'appendFileSync', args: (at) => [at.p('f.txt'), 'more'], suspends: true },
  { title: 'a new file, Buffer', fn: 'appendFileSync', args: (at) => [at.p('new.txt'), Buffer.from('b')], suspends: true },
  { title: 'flag, mode, encoding', fn: 'appendFileSync', args: (at) => [at.p('new.txt'), '6869', { encoding: 'hex', flag: 'a+', mode: 0o640 }], suspends: true },
  { title: 'an fd', fn: 'appendFileSync', setup: (at) => { at.ctx.fd = fs.openSync(at.p('f.txt'), 'r+'); }, args: (at) => [at.ctx.fd, 'X'], suspends: true },
  { title: 'EISDIR', fn: 'appendFileSync', args: (at) => [at.p('d'), 'x'], suspends: true },
  { title: 'ENOENT', fn: 'appendFileSync', args: (at) => [at.p('nope/x'), 'x'], suspends: true },
  { title: 'bad data (original)', fn: 'appendFileSync', args: (at) => [at.p('f.txt'), null], suspends: false },
  // existsSync
  ...[['f.txt', true], ['d', true], ['link', true], ['nope', false], ['dangling', false], ['f.txt/x', false]].map(([rel]) => (
    { title: String(rel), fn: 'existsSync', args: (at) => [at.p(rel as string)], suspends: true, shared: true } as FsCase)),
  { title: 'URL', fn: 'existsSync', args: (at) => [pathToFileURL(at.p('f.txt'))], suspends: true, shared: true },
  ...[[''], [123], [null], [undefined], [{}], ['x\0y']].map(([bad]) => (
    // false at once: nothing to wait for
    { title: `bad ${JSON.stringify(bad)}`, fn: 'existsSync', args: () => [bad], suspends: bad === '' } as FsCase)),
  // accessSync
  { title: 'F_OK', fn: 'accessSync', args: (at) => [at.p('f.txt')], suspends: true, shared: true },
  { title: 'R_OK | W_OK', fn: 'accessSync', args: (at) => [at.p('f.txt'), fs.constants.R_OK | fs.constants.W_OK], suspends: true, shared: true },
  { title: 'EACCES (X_OK, no x bit)', fn: 'accessSync', args: (at) => [at.p('f.txt'), fs.constants.X_OK], suspends: true, shared: true },
  { title: 'ENOENT', fn: 'accessSync', args: (at) => [at.p('nope')], suspends: true },
  { title: 'bad mode', fn: 'accessSync', args: (at) => [at.p('f.txt'), 'r'], suspends: false },
  // statSync, lstatSync
  { title: 'file', fn: 'statSync', args: (at) => [at.p('f.txt')], suspends: true, shared: true },
  { title: 'dir, bigint', fn: 'statSync', args: (at) => [at.p('d'), { bigint: true }], suspends: true, shared: true },
  { title: 'through a link', fn: 'statSync', args: (at) => [at.p('link')], suspends: true, shared: true },
  { title: 'ENOENT', fn: 'statSync', args: (at) => [at.p('nope')], suspends: true },
  { title: 'ENOENT, throwIfNoEntry false', fn: 'statSync', args: (at) => [at.p('nope'), { throwIfNoEntry: false }], suspends: true },
  { title: 'ENOTDIR, throwIfNoEntry false', fn: 'statSync', args: (at) => [at.p('f.txt/x'), { throwIfNoEntry: false }], suspends: true },
  { title: 'ENOTDIR', fn: 'statSync', args: (at) => [at.p('f.txt/x'), { throwIfNoEntry: true }], suspends: true },
  { title: 'null options', fn: 'statSync', args: (at) => [at.p('f.txt'), null], suspends: false },
  { title: 'bad path', fn: 'statSync', args: () => [42], suspends: false },
  { title: 'a link', fn: 'lstatSync', args: (at) => [at.p('link')], suspends: true, shared: true },
  { title: 'dangling, bigint', fn: 'lstatSync', args: (at) => [at.p('dangling'), { bigint: true }], suspends: true, shared: true },
  { title: 'ENOENT, throwIfNoEntry false', fn: 'lstatSync', args: (at) => [at.p('nope'), { throwIfNoEntry: false, bigint: true }], suspends: true },
  { title: 'ENOENT', fn: 'lstatSync', args: (at) => [at.p('nope/x')], suspends: true },
  { title: 'null options', fn: 'lstatSync', args: (at) => [at.p('link'), null], suspends: false },
  // readdirSync
  { title: 'names', fn: 'readdirSync', args: (at) => [at.p('d')], suspends: true, shared: true },
  { title: 'withFileTypes', fn: 'readdirSync', args: (at) => [at.dir, { withFileTypes: true }], suspends: true, shared: true },
  { title: 'buffer encoding', fn: 'readdirSync', args: (at) => [at.p('d'), 'buffer'], suspends: true, shared: true },
  { title: 'recursive', fn: 'readdirSync', args: (at) => [at.dir, { recursive: true }], suspends: !process.version.startsWith('v20.'), shared: true },
  { title: 'recursive withFileTypes', fn: 'readdirSync', args: (at) => [at.p('d'), { recursive: true, withFileTypes: true }], suspends: !process.version.startsWith('v20.'), shared: true },
  { title: 'ENOENT', fn: 'readdirSync', args: (at) => [at.p('nope')], suspends: true },
  { title: 'ENOTDIR', fn: 'readdirSync', args: (at) => [at.p('f.txt')], suspends: true },
  { title: 'ENOTDIR recursive', fn: 'readdirSync', args: (at) => [at.p('f.txt'), { recursive: true }], suspends: !process.version.startsWith('v20.') },
  { title: 'EACCES', fn: 'readdirSync', setup: (at) => fs.chmodSync(at.p('d'), 0o000), args: (at) => [at.p('d')], suspends: true, skip: isRoot },
  // mkdirSync, mkdtempSync
  { title: 'one', fn: 'mkdirSync', args: (at) => [at.p('new')], suspends: true },
  { title: 'recursive: the first created', fn: 'mkdirSync', args: (at) => [at.p('new/a/b'), { recursive: true }], suspends: true },
  { title: 'recursive, existing: undefined', fn: 'mkdirSync', args: (at) => [at.p('d/sub'), { recursive: true }], suspends: true },
  { title: 'mode', fn: 'mkdirSync', args: (at) => [at.p('new'), 0o700], suspends: true },
  { title: 'EEXIST', fn: 'mkdirSync', args: (at) => [at.p('d')], suspends: true },
  { title: 'ENOENT', fn: 'mkdirSync', args: (at) => [at.p('nope/x')], suspends: true },
  { title: 'ENOTDIR recursive', fn: 'mkdirSync', args: (at) => [at.p('f.txt/x/y'), { recursive: true }], suspends: true },
  { title: 'EACCES', fn: 'mkdirSync', setup: readOnlyDir, args: (at) => [at.p('d/new')], suspends: true, skip: isRoot },
  { title: 'bad mode', fn: 'mkdirSync', args: (at) => [at.p('new'), { mode: 'rw' }], suspends: false },
  { title: 'prefix', fn: 'mkdtempSync', args: (at) => [at.p('tmp-')], suspends: true, view: (v) => (v as string).slice(0, -6) },
  { title: 'buffer', fn: 'mkdtempSync', args: (at) => [at.p('t-'), { encoding: 'buffer' }], suspends: true, view: (v) => Buffer.isBuffer(v) && v.subarray(0, -6) },
  { title: 'ENOENT', fn: 'mkdtempSync', args: (at) => [at.p('nope/t-')], suspends: true },
  { title: 'bad prefix', fn: 'mkdtempSync', args: () => [null], suspends: false },
  // rmSync, rmdirSync, unlinkSync
  { title: 'file', fn: 'rmSync', args: (at) => [at.p('f.txt')], suspends: true },
  { title: 'link', fn: 'rmSync', args: (at) => [at.p('link')], suspends: true },
  { title: 'dir recursive', fn: 'rmSync', args: (at) => [at.p('d'), { recursive: true }], suspends: true },
  { title: 'dir without recursive', fn: 'rmSync', args: (at) => [at.p('d')], suspends: true },
  { title: 'ENOENT', fn: 'rmSync', args: (at) => [at.p('nope')], suspends: true },
  { title: 'ENOENT force', fn: 'rmSync', args: (at) => [at.p('nope'), { force: true }], suspends: true },
  { title: 'ENOTDIR', fn: 'rmSync', args: (at) => [at.p('f.txt/x'), { recursive: true }], suspends: true },
  { title: 'bad maxRetries', fn: 'rmSync', args: (at) => [at.p('f.txt'), { maxRetries: -1 }], suspends: false },
  { title: 'empty dir', fn: 'rmdirSync', args: (at) => [at.p('empty')], suspends: true },
  { title: 'ENOTEMPTY', fn: 'rmdirSync', args: (at) => [at.p('d')], suspends: true },
  { title: 'ENOTDIR', fn: 'rmdirSync', args: (at) => [at.p('f.txt')], suspends: true },
  { title: 'ENOENT', fn: 'rmdirSync', args: (at) => [at.p('nope')], suspends: true },
  { title: 'file', fn: 'unlinkSync', args: (at) => [at.p('f.txt')], suspends: true },
  { title: 'ENOENT', fn: 'unlinkSync', args: (at) => [at.p('nope')], suspends: true },
  { title: 'EISDIR', fn: 'unlinkSync', args: (at) => [at.p('d')], suspends: true },
  { title: 'EACCES', fn: 'unlinkSync', setup: readOnlyDir, args: (at) => [at.p('d/a.txt')], suspends: true, skip: isRoot },
  // renameSync, copyFileSync, linkSync, symlinkSync
  { title: 'file', fn: 'renameSync', args: (at) => [at.p('f.txt'), at.p('g.txt')], suspends: true },
  { title: 'ENOENT (path and dest)', fn: 'renameSync', args: (at) => [at.p('nope'), at.p('x')], suspends: true },
  { title: 'EISDIR', fn: 'renameSync', args: (at) => [at.p('f.txt'), at.p('d')], suspends: true },
  { title: 'ENOTDIR', fn: 'renameSync', args: (at) => [at.p('d'), at.p('f.txt')], suspends: true },
  { title: 'EINVAL', fn: 'renameSync', args: (at) => [at.p('d'), at.p('d/sub/x')], suspends: true },
  { title: 'file', fn: 'copyFileSync', args: (at) => [at.p('f.txt'), at.p('copy.txt')], suspends: true },
  { title: 'EEXIST (COPYFILE_EXCL)', fn: 'copyFileSync', args: (at) => [at.p('f.txt'), at.p('d/a.txt'), fs.constants.COPYFILE_EXCL], suspends: true },
  { title: 'ENOENT', fn: 'copyFileSync', args: (at) => [at.p('nope'), at.p('x')], suspends: true },
  { title: 'EISDIR', fn: 'copyFileSync', args: (at) => [at.p('d'), at.p('x')], suspends: true },
  { title: 'bad mode', fn: 'copyFileSync', args: (at) => [at.p('f.txt'), at.p('x'), 99], suspends: false },
  { title: 'hard link', fn: 'linkSync', args: (at) => [at.p('f.txt'), at.p('hard')], suspends: true },
  { title: 'EEXIST', fn: 'linkSync', args: (at) => [at.p('f.txt'), at.p('link')], suspends: true },
  { title: 'ENOENT', fn: 'linkSync', args: (at) => [at.p('nope'), at.p('x')], suspends: true },
  { title: 'EPERM (a directory)', fn: 'linkSync', args: (at) => [at.p('d'), at.p('x')], suspends: true },
  { title: 'new link', fn: 'symlinkSync', args: (at) => ['d/a.txt', at.p('sl'), 'file'], suspends: true },
  { title: 'EEXIST', fn: 'symlinkSync', args: (at) => ['x', at.p('link')], suspends: true },
  { title: 'ENOENT', fn: 'symlinkSync', args: (at) => ['x', at.p('nope/y')], suspends: true },
  // readlinkSync, realpathSync, realpathSync.native
  { title: 'link', fn: 'readlinkSync', args: (at) => [at.p('link')], suspends: true, shared: true },
  { title: 'buffer', fn: 'readlinkSync', args: (at) => [at.p('link'), 'buffer'], suspends: true, shared: true },
  { title: 'EINVAL', fn: 'readlinkSync', args: (at) => [at.p('f.txt')], suspends: true },
  { title: 'ENOENT', fn: 'readlinkSync', args: (at) => [at.p('nope')], suspends: true },
  ...['realpathSync', 'realpathSync.native'].flatMap((fn) => [
    { title: 'link', fn, args: (at) => [at.p('link')], suspends: true, shared: true },
    { title: 'dots', fn, args: (at) => [at.p('d/../d/sub/../a.txt')], suspends: true, shared: true },
    { title: 'buffer', fn, args: (at) => [at.p('link'), { encoding: 'buffer' }], suspends: true, shared: true },
    { title: 'ENOENT', fn, args: (at) => [at.p('nope/x')], suspends: true },
    { title: 'ENOENT dangling', fn, args: (at) => [at.p('dangling')], suspends: true },
    { title: 'ENOTDIR', fn, args: (at) => [at.p('f.txt/x')], suspends: true },
    // realpathSync makes a string of anything ('undefined'); the native one refuses it
    { title: 'bad path', fn, args: () => [undefined], suspends: fn === 'realpathSync' },
  ] as FsCase[]),
  // truncateSync, chmodSync, chownSync, lchownSync, utimesSync, lutimesSync, statfsSync
  { title: 'to 2', fn: 'truncateSync', args: (at) => [at.p('f.txt'), 2], suspends: true },
  { title: 'to 0', fn: 'truncateSync', args: (at) => [at.p('f.txt')], suspends: true },
  { title: 'ENOENT', fn: 'truncateSync', args: (at) => [at.p('nope')], suspends: true },
  { title: 'EISDIR', fn: 'truncateSync', args: (at) => [at.p('d'), 1], suspends: true },
  { title: 'bad length', fn: 'truncateSync', args: (at) => [at.p('f.txt'), 'x'], suspends: false },
  { title: 'number', fn: 'chmodSync', args: (at) => [at.p('f.txt'), 0o600], suspends: true },
  { title: 'string', fn: 'chmodSync', args: (at) => [at.p('d'), '700'], suspends: true },
  { title: 'ENOENT', fn: 'chmodSync', args: (at) => [at.p('nope'), 0o600], suspends: true },
  { title: 'bad mode', fn: 'chmodSync', args: (at) => [at.p('f.txt'), 'rw'], suspends: false },
  { title: 'own ids', fn: 'chownSync', args: (at) => [at.p('f.txt'), uid, gid], suspends: true },
  { title: 'ENOENT', fn: 'chownSync', args: (at) => [at.p('nope'), uid, gid], suspends: true },
  { title: 'bad uid', fn: 'chownSync', args: (at) => [at.p('f.txt'), -5, gid], suspends: false },
  { title: 'a link', fn: 'lchownSync', args: (at) => [at.p('dangling'), uid, gid], suspends: true },
  { title: 'ENOENT', fn: 'lchownSync', args: (at) => [at.p('nope'), uid, gid], suspends: true },
  { title: 'numbers', fn: 'utimesSync', args: (at) => [at.p('f.txt'), 1000, 2000], suspends: true, times: ['f.txt'] },
  { title: 'Dates', fn: 'utimesSync', args: (at) => [at.p('d'), new Date(5000), new Date(6000)], suspends: true, times: ['d'] },
  { title: 'ENOENT', fn: 'utimesSync', args: (at) => [at.p('nope'), 1, 2], suspends: true },
  { title: 'bad time', fn: 'utimesSync', args: (at) => [at.p('f.txt'), 'soon', 2], suspends: false },
  { title: 'a link', fn: 'lutimesSync', args: (at) => [at.p('dangling'), 1000, 2000], suspends: true, times: ['dangling'] },
  { title: 'ENOENT', fn: 'lutimesSync', args: (at) => [at.p('nope'), 1, 2], suspends: true },
  { title: 'dir', fn: 'statfsSync', args: (at) => [at.dir], suspends: true, shared: true, view: statfsView },
  { title: 'bigint', fn: 'statfsSync', args: (at) => [at.dir, { bigint: true }], suspends: true, shared: true, view: statfsView },
  { title: 'ENOENT', fn: 'statfsSync', args: (at) => [at.p('nope')], suspends: true },
  { title: 'null options', fn: 'statfsSync', args: (at) => [at.dir, null], suspends: false, shared: true, view: statfsView },
  // opendirSync
  { title: 'dir', fn: 'opendirSync', args: (at) => [at.p('d')], suspends: true, shared: true },
  { title: 'options', fn: 'opendirSync', args: (at) => [at.p('d'), { bufferSize: 1, encoding: 'utf8' }], suspends: true, shared: true },
  { title: 'ENOTDIR', fn: 'opendirSync', args: (at) => [at.p('f.txt')], suspends: true },
  { title: 'ENOENT', fn: 'opendirSync', args: (at) => [at.p('nope')], suspends: true },
  // The callback form would throw this from its callback, as an uncaught exception.
  { title: 'bad bufferSize', fn: 'opendirSync', args: (at) => [at.p('d'), { bufferSize: 0 }], suspends: false },
  { title: 'bad bufferSize type', fn: 'opendirSync', args: (at) => [at.p('d'), { bufferSize: '8' }], suspends: false },
];

describe.each(cases.map((c) => [`${c.fn} ${c.title}`, c] as const))('%s', (_title, c) => {
  (c.skip === true ? test.skip : test)('the same as the original', async () => {
    const { original, green, suspended } = await runCase(c);
    expect(green.result).toEqual(original.result);
    expect(green.disk).toEqual(original.disk);
    expect(suspended).toBe(c.suspends);
  });
});

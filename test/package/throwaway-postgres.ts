// A throwaway PostgreSQL server for tests: Debian's `postgresql` binaries, initdb in a
// temporary directory, listening on a Unix socket in that directory only (no TCP), trust
// authentication for the `postgres` role, no fsync. As root it runs as the `postgres` system
// user (or `nobody`), since initdb and postgres refuse to run as root. stop() ends it and
// removes the directory.
import { execFile, spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const INSTALL_ROOT = '/usr/lib/postgresql';

/** The newest installed PostgreSQL's bin directory; a clear error when there is none. */
export function postgresBinDir(): string {
  const versions = fs.existsSync(INSTALL_ROOT) ? fs.readdirSync(INSTALL_ROOT) : [];
  const installed = versions
    .filter((version) => fs.existsSync(path.join(INSTALL_ROOT, version, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  if (installed.length === 0) {
    throw new Error(`PostgreSQL is not installed: this test needs initdb and postgres from ${INSTALL_ROOT}/<version>/bin. ` +
      'Install Debian\'s package with `apt-get install -y postgresql` (.ci/run does so when it is missing).');
  }
  return path.join(INSTALL_ROOT, installed[0], 'bin');
}

// Whom the server runs as: ourselves, or, as root, a system user (initdb refuses root).
function serverUser(): { name: string; uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  for (const name of ['postgres', 'nobody']) {
    const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
    if (uid.status === 0 && gid.status === 0) return { name, uid: Number(uid.stdout), gid: Number(gid.stdout) };
  }
  throw new Error('running as root and neither the postgres nor the nobody user exists to run PostgreSQL as');
}

/** A running server; `env` holds the PG* variables that reach it. */
export class ThrowawayPostgres {
  readonly dir: string;
  readonly bin: string;
  readonly env: Record<string, string>;
  readonly #user: { name: string } | null;
  #running = false;

  private constructor(bin: string, dir: string, user: { name: string } | null) {
    this.bin = bin;
    this.dir = dir;
    this.#user = user;
    this.env = { PGHOST: dir, PGUSER: 'postgres', PGDATABASE: 'postgres' };
  }

  /** initdb and start; throws with the server's log when either fails (and cleans up). */
  static start(): ThrowawayPostgres {
    const bin = postgresBinDir();
    const user = serverUser();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'greenthread-pg-'));
    if (user !== null) fs.chownSync(dir, user.uid, user.gid);
    const server = new ThrowawayPostgres(bin, dir, user);
    try {
      const data = path.join(dir, 'data');
      server.#run('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
      fs.appendFileSync(path.join(data, 'postgresql.conf'), [
        "listen_addresses = ''",
        `unix_socket_directories = '${dir}'`,
        'fsync = off',
        'synchronous_commit = off',
        'full_page_writes = off',
        '',
      ].join('\n'));
      server.#run('pg_ctl', ['-D', data, '-l', path.join(dir, 'server.log'), '-w', '-t', '60', 'start']);
      server.#running = true;
      return server;
    } catch (error) {
      server.stop();
      throw error;
    }
  }

  /** Runs `sql` with psql and returns its unaligned, tuples-only output, trimmed. */
  sql(sql: string): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(path.join(this.bin, 'psql'), ['-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', sql], { env: { ...process.env, ...this.env } }, (error, stdout, stderr) => {
        if (error) reject(new Error(`psql -c ${JSON.stringify(sql)} failed: ${stderr}`));
        else resolve(stdout.trim());
      });
    });
  }

  /** An interactive psql session: write statements to it, wait for text in its output. */
  session(): PsqlSession {
    return new PsqlSession(spawn(path.join(this.bin, 'psql'), ['-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1'], { env: { ...process.env, ...this.env } }));
  }

  /** Stops the server (fast shutdown) and removes its directory; safe to call twice. */
  stop(): void {
    if (this.#running) {
      this.#running = false;
      this.#run('pg_ctl', ['-D', path.join(this.dir, 'data'), '-m', 'fast', '-w', 'stop']);
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  #run(tool: string, args: string[]): void {
    const command = path.join(this.bin, tool);
    const [file, argv] = this.#user === null ? [command, args] : ['runuser', ['-u', this.#user.name, '--', command, ...args]];
    const result = spawnSync(file, argv, { encoding: 'utf8', timeout: 90000, cwd: this.dir });
    if (result.status !== 0) {
      const logFile = path.join(this.dir, 'server.log');
      const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '';
      throw new Error(`${tool} failed (${result.status ?? result.signal}): ${result.stderr}${result.error?.message ?? ''}\n${log}`);
    }
  }
}

/** A psql process kept open, for a transaction that spans several steps of a test. */
export class PsqlSession {
  #output = '';
  readonly #exited: Promise<void>;

  constructor(readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => { this.#output += chunk; });
    child.stderr.on('data', (chunk: string) => { this.#output += chunk; });
    this.#exited = new Promise((resolve) => child.on('close', () => resolve()));
  }

  /** Sends `statements` and resolves once `marker` (selected after them) comes back. */
  async run(statements: string, marker: string): Promise<void> {
    this.child.stdin.write(`${statements}\nSELECT '${marker}';\n`);
    let gone = false;
    void this.#exited.then(() => { gone = true; });
    while (!this.#output.includes(marker)) {
      if (gone) throw new Error(`psql ended before ${marker}: ${this.#output}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Ends the session (an open transaction is rolled back) and waits for psql to exit. */
  close(): Promise<void> {
    this.child.stdin.end();
    return this.#exited;
  }
}

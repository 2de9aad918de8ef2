// getaddrinfo() and gethostbyname(): host names resolved through the system resolver while only
// the calling green thread waits; IP literals answered at once without a switch; family
// filtering; Node's lookup errors with their code; bad arguments.
import {
  getaddrinfo, gethostbyname, NotInGreenThreadError, sleep, spawn, spawnN,
} from '../../src';
import { green } from '../helpers';
import { errorOf } from './net-helpers';

describe('getaddrinfo', () => {
  test("'localhost' gives its IPv4 address, with the port asked for (0 by default)", async () => {
    const result = await green(() => ({ plain: getaddrinfo('localhost'), withPort: getaddrinfo('localhost', 8080), nullPort: getaddrinfo('localhost', null) }));
    expect(result.plain).toContainEqual({ family: 4, address: '127.0.0.1', port: 0 });
    expect(result.withPort).toContainEqual({ family: 4, address: '127.0.0.1', port: 8080 });
    expect(result.nullPort).toContainEqual({ family: 4, address: '127.0.0.1', port: 0 });
    for (const entry of result.plain) expect([4, 6]).toContain(entry.family);
  });

  test('family: 4 gives only IPv4 addresses', async () => {
    const entries = await green(() => getaddrinfo('localhost', 80, { family: 4 }));
    expect(entries.length).toBeGreaterThan(0);
    for (const entry of entries) expect(entry.family).toBe(4);
  });

  test("host '' means this machine", async () => {
    const entries = await green(() => getaddrinfo(''));
    expect(entries).toContainEqual({ family: 4, address: '127.0.0.1', port: 0 });
  });

  test('IP literals are answered as they are: IPv4 and IPv6', async () => {
    const result = await green(() => [getaddrinfo('10.1.2.3', 5), getaddrinfo('::1'), getaddrinfo('fe80::1', 443, { family: 6 })]);
    expect(result).toEqual([
      [{ family: 4, address: '10.1.2.3', port: 5 }],
      [{ family: 6, address: '::1', port: 0 }],
      [{ family: 6, address: 'fe80::1', port: 443 }],
    ]);
  });

  test('an IP literal of the other family than asked for: EAI_FAMILY', async () => {
    const errors = await green(() => [errorOf(() => getaddrinfo('127.0.0.1', 0, { family: 6 })), errorOf(() => getaddrinfo('::1', 0, { family: 4 }))]);
    for (const error of errors) {
      expect(error.code).toBe('EAI_FAMILY');
      expect(error.syscall).toBe('getaddrinfo');
    }
    expect(errors.map((e) => e.hostname)).toEqual(['127.0.0.1', '::1']);
  });

  test('an IP literal is answered without a switch: no other green thread runs meanwhile', async () => {
    const log = await green(() => {
      const out: string[] = [];
      spawnN(() => out.push('other'));
      getaddrinfo('127.0.0.1');
      gethostbyname('10.0.0.1');
      out.push('answered');
      sleep(0);
      return out;
    });
    expect(log).toEqual(['answered', 'other']);
  });

  test('a name lookup suspends only the calling green thread: others run while it waits', async () => {
    const log = await green(() => {
      const out: string[] = [];
      spawnN(() => out.push('other ran'));
      const entries = getaddrinfo('localhost');
      out.push(`resolved ${entries.length > 0}`);
      return out;
    });
    expect(log).toEqual(['other ran', 'resolved true']);
  });

  test('a name that does not resolve: ENOTFOUND (or EAI_AGAIN) with code, hostname and syscall', async () => {
    const error = await green(() => errorOf(() => getaddrinfo('no-such-host.invalid')));
    expect(['ENOTFOUND', 'EAI_AGAIN']).toContain(error.code);
    expect(error.hostname).toBe('no-such-host.invalid');
    expect(error.syscall).toBe('getaddrinfo');
  });

  test('50 lookups at once from 50 green threads all answer', async () => {
    const answers = await green(() => {
      const threads = Array.from({ length: 50 }, (_, i) => spawn(() => getaddrinfo(i % 2 === 0 ? 'localhost' : '127.0.0.1', i)));
      return threads.map((t) => t.wait());
    });
    answers.forEach((entries, i) => expect(entries).toContainEqual({ family: 4, address: '127.0.0.1', port: i }));
  });

  test('bad arguments: TypeError or RangeError naming getaddrinfo()', async () => {
    const errors = await green(() => [
      errorOf(() => getaddrinfo(5 as never)),
      errorOf(() => getaddrinfo(null as never)),
      errorOf(() => getaddrinfo('localhost', -1)),
      errorOf(() => getaddrinfo('localhost', 65536)),
      errorOf(() => getaddrinfo('localhost', '80' as never)),
      errorOf(() => getaddrinfo('localhost', 80, { family: 5 as never })),
      errorOf(() => getaddrinfo('localhost', 80, { flags: 1 } as never)),
    ]);
    expect(errors.map((e) => e.constructor.name)).toEqual(['TypeError', 'TypeError', 'RangeError', 'RangeError', 'TypeError', 'TypeError', 'TypeError']);
    for (const error of errors) expect(error.message).toMatch(/^getaddrinfo\(\): /);
  });

  test('a name lookup outside a green thread: NotInGreenThreadError', () => {
    expect(() => getaddrinfo('localhost')).toThrow(NotInGreenThreadError);
  });
});

describe('gethostbyname', () => {
  test("'localhost' and '' give 127.0.0.1; an IPv4 literal gives itself", async () => {
    const result = await green(() => [gethostbyname('localhost'), gethostbyname(''), gethostbyname('192.0.2.7')]);
    expect(result).toEqual(['127.0.0.1', '127.0.0.1', '192.0.2.7']);
  });

  test('an IPv6 literal: EAI_FAMILY (gethostbyname is IPv4 only)', async () => {
    const error = await green(() => errorOf(() => gethostbyname('::1')));
    expect(error.code).toBe('EAI_FAMILY');
  });

  test('a name that does not resolve: ENOTFOUND (or EAI_AGAIN)', async () => {
    const error = await green(() => errorOf(() => gethostbyname('no-such-host.invalid')));
    expect(['ENOTFOUND', 'EAI_AGAIN']).toContain(error.code);
  });

  test('a host that is not a string: TypeError; a lookup outside a green thread: NotInGreenThreadError', async () => {
    const error = await green(() => errorOf(() => gethostbyname(42 as never)));
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(/^gethostbyname\(\): host must be a string/);
    expect(() => gethostbyname('localhost')).toThrow(NotInGreenThreadError);
  });
});

// The connection pools http.request() uses: one keep-alive Agent per protocol, made on first use
// and shared by every green thread, so sequential requests to one server reuse one connection
// (urllib3's PoolManager, which green `requests` uses under eventlet). They are greenthread's own,
// not Node's globalAgent, so a change a library makes to the global agents does not reach them.
import * as http from 'node:http';
import * as https from 'node:https';
import { typeError } from '../../errors';
import { describe } from '../../validate';

// As Node's own global agents: idle pooled connections are closed after 5 s (below the 5 s
// keep-alive timeout of a Node server that does not send a Keep-Alive hint), and the most
// recently used connection is reused first, so surplus ones go idle and are closed.
const POOL_OPTIONS: http.AgentOptions = { keepAlive: true, scheduling: 'lifo', timeout: 5000 };

let httpAgent: http.Agent | null = null;
let httpsAgent: https.Agent | null = null;

/** The agent option of a request: a user's Agent, `false` for a connection of its own, or the pool. */
export type AgentOption = http.Agent | false | undefined;

/**
 * Checks an `agent` option of `call`.
 * @throws TypeError for anything but an http.Agent (https.Agent included), false or undefined.
 */
export function validateAgent(agent: unknown, call: string): AgentOption {
  if (agent === undefined || agent === false || agent instanceof http.Agent) return agent;
  throw typeError(`${call}: options.agent must be an http.Agent or https.Agent, or false, got ${describe(agent)}`);
}

/**
 * The Agent to send a request to a `protocol` ('http:' or 'https:') URL through. A user's agent
 * made for the other protocol is kept for the first request (Node then says it does not fit)
 * but not after a redirect that changed the protocol: that hop goes through the pool.
 */
export function agentFor(option: AgentOption, protocol: string, redirected: boolean): http.Agent | false {
  if (option === false) return false;
  if (option !== undefined && (!redirected || (option as { protocol?: string }).protocol === protocol)) return option;
  if (protocol === 'https:') return httpsAgent ??= new https.Agent(POOL_OPTIONS);
  return httpAgent ??= new http.Agent(POOL_OPTIONS);
}

// `slipway login` (check a token against the server, then keep it for that server) and `slipway logout`.

import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { CliError, SlipwayClient } from './client.js';
import { removeCredentials, saveCredentials } from './credentials-file.js';

interface Whoami {
  name: string;
  scope: string;
  endpoints: string[];
  open: boolean;
}

export interface LoginContext {
  /** The server and the token given by --token / SLIPWAY_TOKEN (not the stored one). */
  flags: () => { server: string; token?: string };
  print: (json: unknown, human: () => string) => void;
}

/** One line from stdin: typed at a prompt (not echoed) on a terminal, or piped (`echo $T | slipway login`). */
async function readToken(server: string): Promise<string> {
  const tty = process.stdin.isTTY === true;
  const rl = createInterface({ input: process.stdin, output: tty ? process.stderr : undefined, terminal: tty });
  if (tty) {
    process.stderr.write(`token for ${server}: `);
    // Keep the secret off the screen: echo nothing of what is typed.
    (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => undefined;
  }
  try {
    for await (const line of rl) return line.trim();
    return '';
  } finally {
    rl.close();
    if (tty) process.stderr.write('\n');
  }
}

export function registerLoginCommands(program: Command, ctx: LoginContext): void {
  program
    .command('login')
    .description('check a token against the server and keep it for that server (0600 file); the token from --token, SLIPWAY_TOKEN or stdin')
    .action(async () => {
      const { server, token: given } = ctx.flags();
      const token = given ?? (await readToken(server));
      if (!token) throw new CliError('no token given: pass --token, set SLIPWAY_TOKEN, or type it when asked');
      let who: Whoami;
      try {
        who = await new SlipwayClient({ server, token }).request<Whoami>('GET', '/api/v1/whoami');
      } catch (err) {
        if (err instanceof CliError && err.status === 401) throw new CliError(`${server} refused the token: ${err.message.replace(/^401: /, '')}`, 401);
        throw err;
      }
      const path = saveCredentials(server, { token, name: who.name, scope: who.scope, savedAt: new Date().toISOString() });
      ctx.print({ server, name: who.name, scope: who.scope, endpoints: who.endpoints, credentials: path }, () =>
        `logged in to ${server} as token "${who.name}" (scope ${who.scope}${who.endpoints.length ? `, endpoints ${who.endpoints.join(', ')}` : ''}); kept in ${path}`);
    });

  program
    .command('logout')
    .description('forget the token kept for the server')
    .action(() => {
      const { server } = ctx.flags();
      const removed = removeCredentials(server);
      ctx.print({ server, removed }, () => (removed ? `logged out of ${server}` : `no token was kept for ${server}`));
    });
}

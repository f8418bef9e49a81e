// Who runs the CLI on this machine, as history names them (`cli:<user>`) when no token says otherwise.

import { userInfo } from 'node:os';

/** The OS account's name; $USER is often unset (containers, cron, systemd), so it is read from the account itself. */
export function localUser(): string {
  try {
    const name = userInfo().username;
    if (name) return name;
  } catch {
    // No passwd entry for this uid (a container run with an arbitrary uid): fall through.
  }
  const fromEnv = process.env.USER ?? process.env.LOGNAME;
  if (fromEnv) return fromEnv;
  return typeof process.getuid === 'function' ? `uid ${process.getuid()}` : 'unknown';
}

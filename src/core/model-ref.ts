// References to model versions as users write them: `name:3`, `name@alias`, or `name` (the latest version).

import { InvalidInputError } from './errors.js';
import { checkName } from './names.js';

export type ModelRef =
  | { kind: 'version'; name: string; version: number }
  | { kind: 'alias'; name: string; alias: string }
  | { kind: 'latest'; name: string };

export function parseModelRef(text: string): ModelRef {
  const at = text.indexOf('@');
  if (at >= 0) {
    return { kind: 'alias', name: checkName('model', text.slice(0, at)), alias: checkName('alias', text.slice(at + 1)) };
  }
  const colon = text.indexOf(':');
  if (colon >= 0) {
    const name = checkName('model', text.slice(0, colon));
    return { kind: 'version', name, version: parseVersion(text.slice(colon + 1), text) };
  }
  return { kind: 'latest', name: checkName('model', text) };
}

export function parseVersion(text: string, context = text): number {
  if (!/^[1-9][0-9]{0,8}$/.test(text)) {
    throw new InvalidInputError(`model version in ${JSON.stringify(context)} is invalid: expected a positive integer`);
  }
  return Number(text);
}

export function formatModelRef(ref: ModelRef): string {
  switch (ref.kind) {
    case 'version': return `${ref.name}:${ref.version}`;
    case 'alias': return `${ref.name}@${ref.alias}`;
    case 'latest': return ref.name;
  }
}

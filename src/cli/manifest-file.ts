// Endpoint manifest files on disk: decoding YAML or JSON with errors that name the file, and writing the canonical YAML.

import { readFile } from 'node:fs/promises';
import { Document, isScalar, parse as parseYaml, visit } from 'yaml';
import type { EndpointManifest } from '../core/endpoint-manifest.js';
import { parseEndpointManifest } from '../core/endpoint-manifest.js';
import { CliError } from './client.js';

/** Decodes manifest text (YAML, which includes JSON; `.json` files as strict JSON) and checks it, naming `file` in every error. */
export function decodeManifest(text: string, file: string): EndpointManifest {
  let doc: unknown;
  try {
    doc = file.toLowerCase().endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    const format = file.toLowerCase().endsWith('.json') ? 'JSON' : 'YAML';
    throw new CliError(`${file}: not valid ${format}: ${(err as Error).message.trim()}`);
  }
  try {
    return parseEndpointManifest(doc);
  } catch (err) {
    throw new CliError(`${file}: ${(err as Error).message}`);
  }
}

export async function readManifestFile(file: string): Promise<EndpointManifest> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CliError(`${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return decodeManifest(text, file);
}

/**
 * The manifest as YAML, fields in the canonical order parseEndpointManifest and manifestOf build them in; lists of
 * plain values (steps, gates, batch sizes) on one line, as people write them.
 */
export function manifestYaml(manifest: EndpointManifest): string {
  // No anchors for lists that happen to be the same object: a manifest reads as written out in full.
  const doc = new Document(manifest, { aliasDuplicateObjects: false });
  visit(doc, {
    Seq(_, node) {
      if (node.items.every((item) => isScalar(item))) node.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

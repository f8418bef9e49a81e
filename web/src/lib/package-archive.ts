// Unpacks a package archive in the browser (.tar, .tar.gz/.tgz, .zip) into its files, so that pushing an archive is
// the same multipart push as a directory: the server takes package files, not archives. Gzip and deflate through the
// browser's own DecompressionStream; nothing fetched.

export interface ArchiveEntry {
  path: string;
  data: Blob;
}

const decoder = new TextDecoder();

/** Whether a file's name says it is an archive this reader unpacks. */
export function isArchiveName(name: string): boolean {
  return /\.(tar|tar\.gz|tgz|zip)$/i.test(name);
}

async function inflate(data: Blob, format: 'gzip' | 'deflate-raw'): Promise<Uint8Array> {
  const stream = data.stream().pipeThrough(new DecompressionStream(format));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function text(bytes: Uint8Array, start: number, length: number): string {
  const slice = bytes.subarray(start, start + length);
  const end = slice.indexOf(0);
  return decoder.decode(end === -1 ? slice : slice.subarray(0, end));
}

function octal(bytes: Uint8Array, start: number, length: number): number {
  const value = text(bytes, start, length).trim();
  return value === '' ? 0 : parseInt(value, 8);
}

/** The `path` record of a pax extended header ("<len> path=<value>\n" records). */
function paxPath(body: Uint8Array): string | undefined {
  for (const record of decoder.decode(body).split('\n')) {
    const m = /^\d+ path=(.*)$/.exec(record);
    if (m) return m[1];
  }
  return undefined;
}

/** Regular files of a POSIX/GNU tar (ustar prefix, GNU long names, pax paths); links and directories skipped. */
export function readTar(bytes: Uint8Array): ArchiveEntry[] {
  const entries: ArchiveEntry[] = [];
  let offset = 0;
  let longName: string | undefined;
  while (offset + 512 <= bytes.length) {
    const header = bytes.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const size = octal(header, 124, 12);
    if (!Number.isFinite(size) || size < 0) throw new Error(`not a tar archive: bad size field at byte ${offset}`);
    const type = String.fromCharCode(header[156] ?? 0);
    const body = bytes.subarray(offset + 512, offset + 512 + size);
    offset += 512 + Math.ceil(size / 512) * 512;
    if (type === 'L') {
      longName = text(body, 0, body.length);
      continue;
    }
    if (type === 'x') {
      longName = paxPath(body) ?? longName;
      continue;
    }
    if (type === 'g') continue;
    const magic = text(header, 257, 6);
    const prefix = magic.startsWith('ustar') ? text(header, 345, 155) : '';
    const name = longName ?? (prefix ? `${prefix}/${text(header, 0, 100)}` : text(header, 0, 100));
    longName = undefined;
    if (type === '0' || type === '\0' || type === '7') entries.push({ path: name, data: new Blob([body.slice()]) });
  }
  return entries;
}

const u16 = (v: DataView, at: number): number => v.getUint16(at, true);
const u32 = (v: DataView, at: number): number => v.getUint32(at, true);

/** Files of a zip archive (stored or deflated), read through its central directory. */
export async function readZip(bytes: Uint8Array): Promise<ArchiveEntry[]> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let end = -1;
  // The end record sits in the last 22 bytes plus a comment of at most 65535.
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65535); i--) {
    if (u32(view, i) === 0x06054b50) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new Error('not a zip archive: no end of central directory');
  const count = u16(view, end + 10);
  let at = u32(view, end + 16);
  const entries: ArchiveEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (u32(view, at) !== 0x02014b50) throw new Error('not a zip archive: broken central directory');
    const method = u16(view, at + 10);
    const compressed = u32(view, at + 20);
    const nameLength = u16(view, at + 28);
    const local = u32(view, at + 42);
    const name = decoder.decode(bytes.subarray(at + 46, at + 46 + nameLength));
    at += 46 + nameLength + u16(view, at + 30) + u16(view, at + 32);
    if (name.endsWith('/')) continue;
    const start = local + 30 + u16(view, local + 26) + u16(view, local + 28);
    const raw = bytes.subarray(start, start + compressed);
    if (method === 0) entries.push({ path: name, data: new Blob([raw.slice()]) });
    else if (method === 8) entries.push({ path: name, data: new Blob([(await inflate(new Blob([raw.slice()]), 'deflate-raw')).slice()]) });
    else throw new Error(`zip entry "${name}" uses compression method ${method}; only stored and deflate are read`);
  }
  return entries;
}

/** The files of an archive chosen in the browser. */
export async function readArchive(file: Blob, name: string): Promise<ArchiveEntry[]> {
  const lower = name.toLowerCase();
  if (lower.endsWith('.zip')) return readZip(new Uint8Array(await file.arrayBuffer()));
  const head = new Uint8Array(await file.slice(0, 2).arrayBuffer());
  const gzipped = head[0] === 0x1f && head[1] === 0x8b;
  return readTar(gzipped ? await inflate(file, 'gzip') : new Uint8Array(await file.arrayBuffer()));
}

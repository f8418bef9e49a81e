// What an HTTP/2 client sees of a server's flow-control windows and frame size, for tests of servers that set them.

import http2 from 'node:http2';

/** The window and frame settings a client sees from the server at `port` once both have settled. */
export async function windowsSeen(port: number): Promise<{ stream: number | undefined; connection: number; frame: number | undefined }> {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  try {
    await new Promise<void>((resolve, reject) => {
      session.once('remoteSettings', () => resolve());
      session.once('error', reject);
    });
    // The connection's WINDOW_UPDATE follows the SETTINGS frame; a ping's answer comes after it.
    await new Promise<void>((resolve, reject) => session.ping((err) => (err ? reject(err) : resolve())));
    return { stream: session.remoteSettings.initialWindowSize, connection: session.state.remoteWindowSize ?? 0, frame: session.remoteSettings.maxFrameSize };
  } finally {
    session.close();
  }
}

// HTTP ceiling (run as a child process): a plain Fastify route that parses the v2 JSON body and returns a fixed answer, no model at all.
// Usage: node --import tsx bench/ceiling-server.ts <answer.json>   (the answer is sent as-is for every request)

import { readFile } from 'node:fs/promises';
import Fastify from 'fastify';

const [answerPath] = process.argv.slice(2);
if (!answerPath) throw new Error('usage: ceiling-server.ts <answer.json>');
const answer = await readFile(answerPath, 'utf8');

const app = Fastify({ bodyLimit: 64 * 1024 * 1024 });
app.post<{ Body: { inputs?: unknown[] } }>('/v2/models/:name/infer', async (req, reply) => {
  if (!Array.isArray(req.body.inputs)) return reply.code(400).send({ error: 'no inputs' });
  return reply.type('application/json').send(answer);
});

const address = await app.listen({ host: '127.0.0.1', port: 0 });
console.log(`ceiling server listening on ${address}`);
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));

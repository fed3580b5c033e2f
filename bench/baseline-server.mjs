// The baseline for bench/run.ts: bare Fastify answering a small JSON object, nothing else.
import Fastify from 'fastify';

const app = Fastify();
app.get('/', async () => ({ hello: 'world' }));
await app.listen({ host: '127.0.0.1', port: Number(process.argv[2]) });
console.log('listening');

// The baseline every scenario is measured beside: raw node:http, one process, the same small JSON
// body on every route and method, nothing else. Prints "listening" once it accepts connections.
import { createServer } from 'node:http';

const body = JSON.stringify({ status: 'ok' });
const server = createServer((request, response) => {
  // A POST's body is read to its end, as any server must, before the answer.
  request.resume();
  request.on('end', () => {
    response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
    response.end(body);
  });
});
server.keepAliveTimeout = 72_000;
server.listen(Number(process.argv[2]), '127.0.0.1', () => console.log('listening'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));

// The sender of test/helpers/flood.ts, in a process of its own: builds the body, prints
// `sending`, posts it `count` times at once, then prints the answers as JSON on one line.
const { url, headers, count, form } = JSON.parse(process.argv[2]);
const parts = Array.from({ length: form.times }, (_, index) => form.part.replaceAll('{i}', String(index)));
const body = Buffer.from(parts.join('&'));
process.stdout.write('sending\n');
const responses = await Promise.all(Array.from({ length: count }, () => fetch(url, { method: 'POST', headers, body })));
const answers = await Promise.all(responses.map(async (r) => ({ status: r.status, body: await r.text() })));
process.stdout.write(`${JSON.stringify(answers)}\n`);

// Worker HEALTHCHECK: healthy while the Docker engine the worker uses answers GET /_ping.
// DOCKER_HOST may be unix:///path or tcp://host:port (plain TCP, e.g. a Docker-in-Docker sidecar on
// the pod's loopback); unset means /var/run/docker.sock, as for the worker itself.
'use strict';
const http = require('node:http');

const dockerHost = process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
let target;
if (dockerHost.startsWith('unix://')) {
  target = { socketPath: dockerHost.slice('unix://'.length) };
} else if (dockerHost.startsWith('tcp://')) {
  const url = new URL(`http://${dockerHost.slice('tcp://'.length)}`);
  target = { host: url.hostname, port: Number(url.port) || 2375 };
} else {
  process.stderr.write(`unsupported DOCKER_HOST ${dockerHost}\n`);
  process.exit(1);
}

const request = http.get({ ...target, path: '/_ping', timeout: 4000 }, (response) => {
  response.resume();
  process.exit(response.statusCode === 200 ? 0 : 1);
});
request.on('timeout', () => request.destroy(new Error('timeout')));
request.on('error', (error) => {
  process.stderr.write(`Docker engine at ${dockerHost} does not answer: ${error.message}\n`);
  process.exit(1);
});

// Preload for the Portkey gateway (`node --require loopback.cjs start-server.js ...`).
//
// The gateway has no host flag and listens on all interfaces. This makes every
// TCP `listen` that names no host bind to 127.0.0.1 instead (override with
// WHICHMODEL_GATEWAY_HOST). Listens that name a host, unix sockets, pipes and
// handles are left alone. http.Server inherits net.Server, so this covers it.
'use strict';

const net = require('net');

const HOST = process.env.WHICHMODEL_GATEWAY_HOST || '127.0.0.1';
const originalListen = net.Server.prototype.listen;

function isPort(value) {
  return typeof value === 'number' || (typeof value === 'string' && /^\d+$/.test(value));
}

function noHost(value) {
  return value === undefined || value === null || value === '';
}

net.Server.prototype.listen = function listen(...args) {
  const first = args[0];
  if (args.length === 0 || (args.length === 1 && first === undefined)) {
    // listen(): a random port on all interfaces.
    args = [0, HOST];
  } else if (first !== null && typeof first === 'object') {
    // listen({port, host, ...}[, cb]); objects without `port` are handles or paths.
    if ('port' in first && noHost(first.host) && first.path === undefined) {
      args[0] = Object.assign({}, first, { host: HOST });
    }
  } else if (isPort(first) || noHost(first)) {
    // listen(port[, host][, backlog][, cb])
    const second = args[1];
    if (args.length === 1 || typeof second === 'function' || typeof second === 'number') {
      args.splice(1, 0, HOST); // (port), (port, cb), (port, backlog, cb)
    } else if (noHost(second)) {
      args[1] = HOST; // (port, undefined, cb): what @hono/node-server's serve() does
    }
  }
  return originalListen.apply(this, args);
};

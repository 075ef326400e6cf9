/** The drachtio-srf adapter: only the server, its options and its errors are public. */
export { DrachtioSessionServer, type DrachtioSessionServerOptions, type DrachtioServerStats } from './drachtio-session-server.js';
export { DrachtioServerError, type DrachtioServerErrorCode } from './errors.js';

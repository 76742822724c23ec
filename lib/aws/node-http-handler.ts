// The SDK's HTTP/1.1 handler, alone. lib/aws/http.ts imports it through this module, not as the package: a dynamic
// import of the whole package made every module of it one chunk of the build, so the HTTP/2 handler a one-shot chat
// uses loaded node:https and node:http with it (2.3 ms of a one-shot's CPU, npm run bench).
export { NodeHttpHandler } from "@smithy/node-http-handler";

// The session service over gRPC-Web. Browsers cannot open client streams, so drags use the unary
// StartDrag / UpdateDrag / StopDrag calls and the server stream WatchDrag.
import { Code, ConnectError, createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import { Sessions } from "./gen/draggan/v1/sessions_pb";

export type SessionsClient = Client<typeof Sessions>;

/**
 * A client for the service at `baseUrl` (the page's own origin when the session service serves
 * it). `apiKey` is read on every call, so a key typed into the page applies at once; an empty key
 * sends none, which the Development environment accepts as its anonymous tenant.
 */
export function createSessionsClient(baseUrl: string, apiKey: () => string): SessionsClient {
  const authorize: Interceptor = (next) => (request) => {
    const key = apiKey().trim();
    if (key) request.header.set("authorization", `Bearer ${key}`);
    return next(request);
  };
  const transport = createGrpcWebTransport({
    baseUrl,
    // application/grpc-web+proto: smaller than the text variant, and images travel as raw bytes.
    useBinaryFormat: true,
    interceptors: [authorize],
  });
  return createClient(Sessions, transport);
}

/** A line for the status bar: the gRPC status name and the service's message (which names the field). */
export function describeError(error: unknown): string {
  if (error instanceof ConnectError) {
    const code = Code[error.code] ?? String(error.code);
    return `${code}: ${error.rawMessage}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** True for the error a call ends with when its AbortSignal fired. */
export function isCanceled(error: unknown): boolean {
  return error instanceof ConnectError && error.code === Code.Canceled;
}

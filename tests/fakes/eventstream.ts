// Bedrock's application/vnd.amazon.eventstream frames, encoded with the SDK's own codec (what the server side of
// ConverseStream sends): events, modelled exceptions, unmodelled `error` frames, and an event type the SDK does not know.
import { EventStreamCodec } from "@smithy/eventstream-codec";

const fromUtf8 = (s: string) => new TextEncoder().encode(s);
const toUtf8 = (b: Uint8Array) => new TextDecoder().decode(b);

const codec = new EventStreamCodec(toUtf8, fromUtf8);
const str = (value: string) => ({ type: "string" as const, value });

export const eventFrame = (type: string, payload: unknown): Uint8Array =>
  codec.encode({
    headers: { ":event-type": str(type), ":content-type": str("application/json"), ":message-type": str("event") },
    body: fromUtf8(JSON.stringify(payload)),
  });

/** `memberName` is the union member (lowerCamel), e.g. "throttlingException". */
export const exceptionFrame = (memberName: string, payload: { message: string } & Record<string, unknown>): Uint8Array =>
  codec.encode({
    headers: { ":exception-type": str(memberName), ":content-type": str("application/json"), ":message-type": str("exception") },
    body: fromUtf8(JSON.stringify(payload)),
  });

/** The service-level `:message-type: error` frame, which the SDK turns into a plain Error named after the code. */
export const errorFrame = (code: string, message: string): Uint8Array =>
  codec.encode({ headers: { ":error-code": str(code), ":error-message": str(message), ":message-type": str("error") }, body: new Uint8Array() });

export const unknownEventFrame = () => eventFrame("someFutureEvent", { p: "abcdefghijklmnop" });

/** Twisted's basic protocols on top of the decoders: line, netstring, length-prefixed, stateful. */
export { BytesLineOnlyReceiver, LineOnlyReceiver } from "./line-only-receiver.js";
export { BytesLineReceiver, LineReceiver } from "./line-receiver.js";
export { type StatefulHandler, StatefulProtocol, type StatefulState } from "./stateful-protocol.js";
export {
  Int8StringReceiver,
  Int16StringReceiver,
  Int32StringReceiver,
  IntNStringReceiver,
  NetstringReceiver,
} from "./string-receivers.js";

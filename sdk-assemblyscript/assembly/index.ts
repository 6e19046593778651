// weir-driver-sdk: AssemblyScript SDK for Weir drivers (ABI v1.1; a driver that uses no v1.1
// feature also loads on a v1.0 host). A driver imports from here and
// re-exports "weir-driver-sdk/assembly/exports" from its entry file.

export {
  ABI_VERSION, BASE_VERSION, CAN_HEADER_SIZE, CanFlag, FrameFlag, HOST_KEY_PREFIX, HOST_KEY_TRANSPORT, LATEST_MINOR,
  LogLevel, MetaOffset, Quality, RecordFlag, Status, ValueType, statusName,
} from "./abi";
export { Bytes, Request, Writer } from "./bytes";
export {
  WordOrder, decodeF32, decodeF64, decodeU16, decodeU32, decodeU64, encodeU16, encodeU32, encodeU64,
  parseWordOrder, wordOrderName,
} from "./byteorder";
export { CanFrame, canDataLength, canFdDlc, canFrameLen, canFrameProblem, writeCanFrame } from "./can";
export {
  ConfigLine, DeviceConfig, ParsedInteger, applyHostKeys, isDecimalNumber, parseConfig, parseDecimal, parseInteger,
} from "./config";
export { Driver, Manifest, Pending, delimitedFrameLen, discard, needMore, registerDriver, resync } from "./driver";
export { logText, panicWith } from "./host";
export { HOST_TIME, PointKey, Records } from "./records";

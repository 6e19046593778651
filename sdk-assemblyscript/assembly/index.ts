// weir-driver-sdk: AssemblyScript SDK for Weir drivers (ABI v1). A driver imports from here and
// re-exports "weir-driver-sdk/assembly/exports" from its entry file.

export { ABI_VERSION, LogLevel, Quality, RecordFlag, Status, ValueType, statusName } from "./abi";
export { Bytes, Request, Writer } from "./bytes";
export {
  WordOrder, decodeF32, decodeF64, decodeU16, decodeU32, decodeU64, encodeU16, encodeU32, encodeU64,
  parseWordOrder, wordOrderName,
} from "./byteorder";
export { ConfigLine, DeviceConfig, parseConfig } from "./config";
export { Driver, Manifest, needMore, registerDriver, resync } from "./driver";
export { logText, panicWith } from "./host";
export { HOST_TIME, PointKey, Records } from "./records";

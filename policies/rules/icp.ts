/**
 * The ICP filing number format, from the ground floor (core/ids.ts, the one place it is defined;
 * config validation reads it too).
 */
export { ICP_FILING_NUMBER as ICP_FILING_RE, isIcpFilingNumber } from "../../core/ids";

/**
 * The ICP filing number format, from the partition table (infra/partition.ts, the one place it is
 * defined; config validation reads it too).
 *
 * Why: an ICP filing (ICP备案) or licence (ICP证) number is `<province abbreviation>ICP备<digits>号`
 * or `<province>ICP证<digits>号`, optionally `-<site number>` (MIIT filing system, beian.miit.gov.cn;
 * e.g. 京ICP备12345678号, 京ICP备12345678号-1, 沪ICP证123456号). Anything else (`yes`, `ICP-1234`)
 * is not a filing and must not open a public route in China.
 */
import { ICP_FILING_NUMBER } from "../../infra/partition";

export const ICP_FILING_RE = ICP_FILING_NUMBER;

/** True for a string in the ICP filing number format. */
export function isIcpFilingNumber(value: unknown): value is string {
  return typeof value === "string" && ICP_FILING_RE.test(value);
}

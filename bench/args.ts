/**
 * The bench's command line (`npm run bench -- ...`, bench/README.md): flags by node:util
 * parseArgs, one usage line, an error naming the flag.
 */
import { parseArgs as parseFlags } from "node:util";

/** Default of `--steady`: logins a warm process serves before the second returning figure. */
export const STEADY_WARMUP = 2000;

export interface Args {
  baseline: string | undefined;
  pairs: number;
  tls: boolean;
  /** Warm runs per bundle (section 2), interleaved; the median is printed with the range. */
  warmRuns: number;
  /** Logins a warm process serves before section 2's second returning figure. */
  steady: number;
  /** Sections to run (all when undefined). */
  only: Set<number> | undefined;
  /** Runs per child of section 6 (instructions under callgrind); undefined: section 6 off. */
  instructions?: number;
  /** Runs per bundle of section 7 (the warm window in instructions); undefined: off. */
  warmInstructions?: number;
}

const USAGE =
  "usage: bench [--baseline <ref>] [--pairs N] [--warm-runs N] [--steady N] [--tls] [--only 1,2,...] [--instructions N] [--warm-instructions N]";

export function parseArgs(argv: string[]): Args {
  let values;
  try {
    ({ values } = parseFlags({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        baseline: { type: "string" },
        pairs: { type: "string", default: "15" },
        tls: { type: "boolean", default: false },
        "warm-runs": { type: "string", default: "1" },
        steady: { type: "string", default: String(STEADY_WARMUP) },
        only: { type: "string" },
        instructions: { type: "string" },
        "warm-instructions": { type: "string" },
      },
    }));
  } catch (err) {
    throw new Error(`${err instanceof Error ? err.message : String(err)}; ${USAGE}`);
  }
  const count = (flag: string, text: string | undefined, min: number, what: string) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${flag} needs ${what}`);
    return n;
  };
  if (values.baseline === "") throw new Error("--baseline needs a git ref");
  const only = values.only === undefined ? undefined : new Set(values.only.split(",").map(Number));
  if (only && [...only].some((n) => !(n >= 1 && n <= 5))) {
    throw new Error("--only takes section numbers 1..5, e.g. --only 1,2");
  }
  return {
    baseline: values.baseline,
    pairs: count("pairs", values.pairs, 1, "N >= 1"),
    tls: values.tls,
    warmRuns: count("warm-runs", values["warm-runs"], 1, "N >= 1"),
    steady: count("steady", values.steady, 0, "N >= 0 logins (0: no second figure)"),
    only,
    ...(values.instructions === undefined
      ? {}
      : { instructions: count("instructions", values.instructions, 1, "N >= 1 runs per child") }),
    ...(values["warm-instructions"] === undefined
      ? {}
      : {
          warmInstructions: count(
            "warm-instructions",
            values["warm-instructions"],
            1,
            "N >= 1 runs per bundle",
          ),
        }),
  };
}

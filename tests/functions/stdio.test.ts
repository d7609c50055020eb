/** functions/login/stdio.ts: whole lines to fd 1/2, through the stream when the raw write fails. */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the module object itself, so the spies apply
const fs = require("node:fs") as typeof import("node:fs");

type WriteLine = (fd: 1 | 2, line: string) => void;
const fresh = (): WriteLine => {
  let writeLine: WriteLine | undefined;
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    writeLine = (require("../../functions/login/stdio") as { writeLine: WriteLine }).writeLine;
  });
  return writeLine as WriteLine;
};

afterEach(() => jest.restoreAllMocks());

describe("writeLine", () => {
  it("writes the line to the fd with writeSync, never through the stream", () => {
    const raw = jest
      .spyOn(fs, "writeSync")
      .mockImplementation(((_fd: number, b: Buffer) => b.length) as typeof fs.writeSync);
    const stream = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    fresh()(2, '{"level":"WARN","message":"é"}\n');
    expect(raw).toHaveBeenCalledTimes(1);
    expect(raw.mock.calls[0]?.[0]).toBe(2);
    expect(String(raw.mock.calls[0]?.[1])).toBe('{"level":"WARN","message":"é"}\n');
    expect(stream).not.toHaveBeenCalled();
  });

  it("sends the rest of a short write, and every later line, through the stream (EAGAIN)", () => {
    const line = '{"_aws":{},"LoginSucceeded":1}\n';
    const raw = jest
      .spyOn(fs, "writeSync")
      .mockImplementationOnce((() => 5) as typeof fs.writeSync)
      .mockImplementation(() => {
        throw Object.assign(new Error("EAGAIN"), { code: "EAGAIN" });
      });
    const out: string[] = [];
    jest.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    const writeLine = fresh();
    writeLine(1, line);
    writeLine(1, "{}\n");
    expect(out).toEqual([line.slice(5), "{}\n"]);
    expect(raw).toHaveBeenCalledTimes(1); // once on the stream, stdout stays there (order)
  });

  it("falls back to the stream when the raw write throws", () => {
    jest.spyOn(fs, "writeSync").mockImplementation(() => {
      throw Object.assign(new Error("EAGAIN"), { code: "EAGAIN" });
    });
    const out: string[] = [];
    jest.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    fresh()(1, "{}\n");
    expect(out).toEqual(["{}\n"]);
  });
});

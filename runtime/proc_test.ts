import assert from "node:assert/strict";
import { ProcessError, readLiveProcess } from "./proc.ts";

/** `MAJ:MIN` in hex of `st_dev` as smaps prints it. */
function devText(dev: number): string {
  const major = (dev >> 8) & 0xfff, minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
  return `${major.toString(16).padStart(2, "0")}:${minor.toString(16).padStart(2, "0")}`;
}

/** A fake /proc/4242 with one mapping of `file` (and one anonymous mapping). */
async function fakeProc(root: string, file: string, opts: { mapFiles: boolean }) {
  const st = await Deno.stat(file);
  const dir = `${root}/4242`;
  await Deno.mkdir(dir, { recursive: true });
  const smaps = `7f0000000000-7f0000002000 r--p 00000000 ${devText(st.dev!)} ${st.ino} ${file}
Size: 8 kB
Rss: 8 kB
Anonymous: 0 kB
VmFlags: rd mr mw me
7f0000003000-7f0000004000 rw-p 00000000 00:00 0
Size: 4 kB
Anonymous: 0 kB
VmFlags: rd wr mr mw me ac
`;
  await Deno.writeTextFile(`${dir}/smaps`, smaps);
  await Deno.writeTextFile(
    `${dir}/maps`,
    smaps.split("\n").filter((l) => /^7f/.test(l)).join("\n"),
  );
  await Deno.writeTextFile(`${dir}/coredump_filter`, "00000033\n");
  if (opts.mapFiles) {
    await Deno.mkdir(`${dir}/map_files`);
    await Deno.symlink(file, `${dir}/map_files/7f0000000000-7f0000002000`);
  }
}

Deno.test("readLiveProcess: mode and nlink through map_files; missing process; no map_files", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "coredelta-proc-" });
  try {
    const file = `${tmp}/lib.so`;
    await Deno.writeTextFile(file, "not elf");
    await Deno.chmod(file, 0o751);
    await Deno.link(file, `${tmp}/second-link`);

    await fakeProc(`${tmp}/proc`, file, { mapFiles: true });
    const live = await readLiveProcess(4242, { procRoot: `${tmp}/proc` });
    assert.equal(live.filter, "00000033");
    assert.deepEqual(live.facts.map((f) => [f.start, f.mode, f.nlink]), [
      ["0x7f0000000000", "0751", 2],
    ]);
    const h = live.hints.get(0x7f0000000000n)!;
    assert.equal(h.execBit, true);
    assert.equal(h.nlink, 2);
    assert.match(h.basis!.execBit!, /map_files: mode 0751/);
    assert.deepEqual(live.warnings, []);

    await assert.rejects(
      readLiveProcess(4343, { procRoot: `${tmp}/proc` }),
      (e) =>
        e instanceof ProcessError && e.code === "process-missing" &&
        /No process 4343/.test(e.message),
    );

    await fakeProc(`${tmp}/old`, file, { mapFiles: false });
    await assert.rejects(
      readLiveProcess(4242, { procRoot: `${tmp}/old` }),
      (e) =>
        e instanceof ProcessError && e.code === "process-no-map-files" &&
        /no \/proc\/PID\/map_files/.test(e.message),
    );
    // capture's fallback: stat by path where device and inode match smaps.
    const byPath = await readLiveProcess(4242, { procRoot: `${tmp}/old`, byPath: true });
    assert.equal(byPath.hints.get(0x7f0000000000n)?.execBit, true);
    assert.match(byPath.hints.get(0x7f0000000000n)!.basis!.nlink!, /same dev:inode/);
    assert.match(byPath.warnings.join("\n"), /no \/proc\/4242\/map_files/);

    await assert.rejects(readLiveProcess(0), /Bad PID 0/);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
